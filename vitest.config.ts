import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Unit tests import each package's TypeScript source; end-to-end tests in test/ run the
// built dist/ in real subprocesses (npm test builds first; globalSetup builds what is stale).
export default defineConfig({
  resolve: {
    alias: {
      // Before '@mlmeta/core', which would otherwise match it as a prefix.
      '@mlmeta/core/read': fileURLToPath(new URL('./packages/core/src/read.ts', import.meta.url)),
      '@mlmeta/core': src('core'),
      '@mlmeta/tfjs': src('tfjs'),
      '@mlmeta/onnx': src('onnx'),
      '@mlmeta/node-hooks': src('node-hooks'),
      '@mlmeta/cli': src('cli'),
      '@mlmeta/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds a package's dist/ once, before any test file, when it is missing or stale.
    globalSetup: ['test/build-packages.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
