// Shared build settings: every package ships ESM and CommonJS with type declarations.
export function packageBuild(entry = { index: 'src/index.ts' }, extra = {}) {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    ...extra,
  };
}
