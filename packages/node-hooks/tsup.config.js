import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The preload entry points: `--import` loads register.js (ESM: the require hook, plus
// import-in-the-middle's in-thread hooks where Node has them), `--require` loads register.cjs. Each exists in one format only, with
// an empty declaration so that TypeScript resolves the entry too. The builds run in
// parallel, so none of them cleans dist/ (the build script does, once, before).
const build = (entry, extra) => packageBuild(entry, { clean: false, ...extra });

export default defineConfig([
  build(),
  build({ register: 'src/register-import.ts' }, { format: ['esm'] }),
  build({ register: 'src/register-require.ts' }, { format: ['cjs'] }),
  // The recorder child's entry, started by path (never imported): no declarations.
  build({ 'recorder-start': 'src/file-capture/recorder-start.ts' }, { format: ['cjs'], dts: false }),
]);
