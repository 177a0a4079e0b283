import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The preload entry points: `--import` loads register.js (ESM: the require hook, plus
// import-in-the-middle's in-thread hooks where Node has them), `--require` loads register.cjs. Each exists in one format only. The three builds run
// in parallel, so none of them cleans dist/ (the build script does, once, before).
const build = (entry, extra) => packageBuild(entry, { clean: false, ...extra });

export default defineConfig([
  build(),
  build({ register: 'src/register-import.ts' }, { format: ['esm'], dts: false }),
  build({ register: 'src/register-require.ts' }, { format: ['cjs'], dts: false }),
]);
