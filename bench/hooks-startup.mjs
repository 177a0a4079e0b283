// Startup cost of the preload hook: how much `--import` / `--require @mlmeta/node-hooks/register`
// adds to a node process, for a program that loads no framework and for one that loads
// @tensorflow/tfjs; and what importing @mlmeta/core costs (paid by every CLI command, and by a
// hooked process once a framework loads). Commands run interleaved (one of each per round,
// hyperfine-style), so machine noise spreads evenly; medians, the added time and the ratio to
// each group's plain command are printed.
// Usage: npm run build && node bench/hooks-startup.mjs   (ROUNDS=<n>, default 15)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const REG = '@mlmeta/node-hooks/register';
const work = mkdtempSync(join(tmpdir(), 'mlmeta-hooks-bench-'));
const env = { ...process.env, NODE_OPTIONS: '', MLMETA_STORE: `sqlite:${join(work, 'm.db')}` };

const EMPTY_LOADER = "import{register}from'node:module';register('data:text/javascript,')";
const tfEsm = ['--input-type=module', '-e', "import '@tensorflow/tfjs'"];
const tfCjs = ['-e', "require('@tensorflow/tfjs')"];
const groups = [
  {
    title: 'no framework (`-e 0`)',
    cases: [
      ['node -e 0', ['-e', '0']],
      // What any `--import` costs (the ESM loader), hook or not.
      ['node --import <empty data: URL> -e 0', ['--import', 'data:text/javascript,', '-e', '0']],
      // What a loader thread costs: module.register() of a loader that does nothing. The hook
      // registers none on Node 20 for this reason (see packages/node-hooks/src/register-import.ts).
      [
        'node --import <module.register(empty loader)> -e 0',
        ['--import', `data:text/javascript,${EMPTY_LOADER}`, '-e', '0'],
      ],
      ['node --import register -e 0', ['--import', REG, '-e', '0']],
      ['node --require register -e 0', ['--require', REG, '-e', '0']],
      [
        'MLMETA_DISABLED=true node --import register -e 0',
        ['--import', REG, '-e', '0'],
        { MLMETA_DISABLED: 'true' },
      ],
    ],
  },
  {
    title: 'imports @mlmeta/core (no hook)',
    cases: [
      ['node -e 0', ['-e', '0']],
      ['node -e "import \'@mlmeta/core\'"', ['--input-type=module', '-e', "import '@mlmeta/core'"]],
      ['node -e "require(\'@mlmeta/core\')"', ['-e', "require('@mlmeta/core')"]],
      ['mlmeta --version', ['packages/cli/dist/bin.js', '--version']],
    ],
  },
  {
    title: 'loads @tensorflow/tfjs (ESM import)',
    cases: [
      ['node -e "import \'@tensorflow/tfjs\'"', tfEsm],
      ['node --import register -e "import \'@tensorflow/tfjs\'"', ['--import', REG, ...tfEsm]],
    ],
  },
  {
    title: 'loads @tensorflow/tfjs (CommonJS require)',
    cases: [
      ['node -e "require(\'@tensorflow/tfjs\')"', tfCjs],
      ['node --require register -e "require(\'@tensorflow/tfjs\')"', ['--require', REG, ...tfCjs]],
    ],
  },
];

function once(args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: 'pipe',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

for (const group of groups) {
  for (const [, args, extra] of group.cases) once(args, extra); // warm the file cache
  const times = group.cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    group.cases.forEach(([, args, extra], i) => {
      times[i].push(once(args, extra));
    });
  }
  const base = median(times[0]);
  console.log(`\n${group.title}: ${ROUNDS} interleaved rounds`);
  console.log('| command | median | p25–p75 | added (median) | ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  group.cases.forEach(([label], i) => {
    const m = median(times[i]);
    const spread = `${quantile(times[i], 0.25).toFixed(0)}–${quantile(times[i], 0.75).toFixed(0)} ms`;
    const added = i === 0 ? '—' : `${(m - base).toFixed(1)} ms`;
    console.log(`| \`${label}\` | ${m.toFixed(1)} ms | ${spread} | ${added} | ${(m / base).toFixed(2)}x |`);
  });
}
rmSync(work, { recursive: true, force: true });
