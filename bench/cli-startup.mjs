// How long `mlmeta --version` and `mlmeta --help` take against `node -e 0` (budget: 1.5x), with
// commander's own load as a reference row; interleaved rounds, wall and CPU medians.
// Usage: npm run build && node bench/cli-startup.mjs   (ROUNDS=<n>, default 20)
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareCommands } from './support/command-timer.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'packages/cli/dist/bin.js');
const cli = join(root, 'packages/cli');

compareCommands(
  [
    ['node -e 0', ['-e', '0']],
    ['mlmeta --version', [BIN, '--version']],
    ['mlmeta --help', [BIN, '--help']],
    ['node -e "require(\'commander\')" (reference)', ['-e', "require('commander')"]],
  ],
  { rounds: Number(process.env.ROUNDS ?? 20), cwd: cli, env: { ...process.env, NODE_OPTIONS: '' } },
);
