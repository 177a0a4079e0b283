// `mlmeta runs` on a SQLite store of 10,000 training runs (bench/support/runs-store.mjs: runs
// shaped like the tracker's, each with params, an experiment and two 20-step metric series),
// against `node -e 0` in the same interleaved rounds (hyperfine-style). Budget: under 300 ms.
// Usage: npm run build && node bench/cli-runs.mjs   (ROUNDS=<n>, default 15; RUNS=<n>, default
// 10000; STORE=<file> keeps the store between runs; BASELINE=<checkout> adds `mlmeta runs` of
// another built checkout, e.g. a `git worktree` of the commit before a change, to the same rounds)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareCommands } from './support/command-timer.mjs';
import { buildRunsStore } from './support/runs-store.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'packages/cli/dist/bin.js');
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const RUNS = Number(process.env.RUNS ?? 10_000);
const BASELINE = process.env.BASELINE;
const path = process.env.STORE ?? join(mkdtempSync(join(tmpdir(), 'mlmeta-cli-runs-')), 'runs.db');

const building = performance.now();
const uri = await buildRunsStore(path, RUNS);
console.log(
  `store: ${path}, ${RUNS} runs (ready in ${((performance.now() - building) / 1000).toFixed(1)} s)`,
);

compareCommands(
  [
    ['node -e 0', ['-e', '0']],
    ['mlmeta runs', [BIN, 'runs']],
    ...(BASELINE ? [[`mlmeta runs (BASELINE)`, [join(BASELINE, 'packages/cli/dist/bin.js'), 'runs']]] : []),
    ['mlmeta runs --json', [BIN, 'runs', '--json']],
    ['mlmeta runs --state FAILED', [BIN, 'runs', '--state', 'FAILED']],
    [
      'mlmeta runs --filter "…`param.lr` > 0.05"',
      [BIN, 'runs', '--filter', 'custom_properties.`param.lr` > 0.05'],
    ],
  ],
  { rounds: ROUNDS, cwd: root, env: { ...process.env, MLMETA_STORE: uri, NODE_OPTIONS: '' } },
);
