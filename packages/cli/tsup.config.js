import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Split chunks, so that each command (and what it imports) loads only when it runs.
export default defineConfig(packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' }, { splitting: true }));
