// Cost of the preload hook's file capture for a script that reads 10,000 small files (4 KiB)
// and one 1 GiB file (streamed): plain node, the hook with MLMETA_CAPTURE_DISABLED=files, and
// the hook with file capture on. Commands run interleaved, one of each per round, against a
// store that already exists (a first, unmeasured round creates it). The program's wall time is
// what is measured: its files are recorded after it exits, by a detached child (digests, the
// Script execution, the store write), which the bench waits for before the next command, so
// that child's work never overlaps a measured run. The first (cold) round's background time is
// printed too: the digests of data never seen before; later rounds find them in the digest
// cache (.mlmeta/digest-cache.jsonl). The script also times its 10,000 reads itself (the loop
// alone, without process start, the 1 GiB stream and the exit), printed as its own column.
// BASELINE=<checkout> adds the hook of another built checkout (e.g. a `git worktree` of the
// commit before a change) with file capture on to the same rounds, so two builds are compared
// side by side; the order of the commands changes every round. BASELINE may also name a
// register.js itself (a copy of an earlier build, kept next to this one's dist/register.js so
// that it finds the same @mlmeta/core).
// Usage: npm run build && node bench/file-capture.mjs   (ROUNDS=<n>, default 5; BIG_MIB=<n>, default 1024)
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileRecordsDir, waitForFileRecords } from '../packages/core/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BIG_MIB = Number(process.env.BIG_MIB ?? 1024);
const BASELINE = process.env.BASELINE;
const SMALL = 10_000;
const work = mkdtempSync(join(tmpdir(), 'mlmeta-files-bench-'));
mkdirSync(join(work, 'data', 'small'), { recursive: true });
for (let i = 0; i < SMALL; i++)
  writeFileSync(join(work, 'data', 'small', `${i}.txt`), `${i}`.padEnd(4096, '.'));
const chunk = Buffer.alloc(1024 * 1024);
const fd = openSync(join(work, 'data', 'big.bin'), 'w');
for (let i = 0; i < BIG_MIB; i++) {
  chunk.fill(i % 251);
  writeSync(fd, chunk);
}
closeSync(fd);
writeFileSync(
  join(work, 'read.mjs'),
  `import { readFileSync, createReadStream } from 'node:fs';
let bytes = 0;
const start = performance.now();
for (let i = 0; i < ${SMALL}; i++) bytes += readFileSync('data/small/' + i + '.txt').length;
const reads = performance.now() - start;
for await (const part of createReadStream('data/big.bin', { highWaterMark: 1 << 20 })) bytes += part.length;
console.log(bytes, reads);
`,
);
const register = join(root, 'packages/node-hooks/dist/register.js');
const base = {
  ...process.env,
  NODE_OPTIONS: '',
  MLMETA_STORE: `sqlite:${join(work, '.mlmeta', 'mlmeta.db')}`,
  MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
};
const cases = [
  ['node read.mjs', [], {}],
  [
    '--import register, MLMETA_CAPTURE_DISABLED=files',
    ['--import', register],
    { MLMETA_CAPTURE_DISABLED: 'git,hardware,packages,files' },
  ],
  ['--import register (file capture on)', ['--import', register], {}],
];
if (BASELINE)
  cases.push([
    `--import register of ${BASELINE} (file capture on)`,
    [
      '--import',
      BASELINE.endsWith('.js') ? BASELINE : join(BASELINE, 'packages/node-hooks/dist/register.js'),
    ],
    {},
  ]);

function once([, args, env]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...args, 'read.mjs'], {
    cwd: work,
    env: { ...base, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, reads: Number(result.stdout.split(' ')[1]) };
}

async function settled() {
  const start = process.hrtime.bigint();
  const pending = await waitForFileRecords(join(work, '.mlmeta', 'spool'), 600_000);
  if (pending > 0) throw new Error('the background file records did not finish');
  const waited = Number(process.hrtime.bigint() - start) / 1e6;
  // The child removes its (empty) log as it exits: wait for that too, so it never overlaps the next command.
  const records = fileRecordsDir(join(work, '.mlmeta', 'spool'));
  for (let i = 0; i < 100 && existsSync(records) && readdirSync(records).some((f) => f.endsWith('.log')); i++)
    await new Promise((done) => setTimeout(done, 50));
  return waited;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const coldRun = once(cases[2]).wall; // creates the store (migrations are not what is measured)
const coldBackground = await settled();
const background = [];
const times = cases.map(() => []);
const reads = cases.map(() => []);
const loads = [loadavg()[0]];
for (let round = 0; round < ROUNDS; round++) {
  const order = cases.map((_, i) => (i + round) % cases.length);
  for (const i of order) {
    const { wall, reads: loop } = once(cases[i]);
    times[i].push(wall);
    reads[i].push(loop);
    const waited = await settled();
    if (i === 2) background.push(waited);
  }
  loads.push(loadavg()[0]);
}
const plain = median(times[0]);
const plainReads = median(reads[0]);
console.log(
  `file capture: ${SMALL} × 4 KiB + ${BIG_MIB} MiB, ${ROUNDS} rounds, ${cpus().length} cpus, load (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
);
console.log(`| command | median ms | vs plain | ${SMALL} reads in the script, median ms | vs plain |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
cases.forEach(([name], i) => {
  const m = median(times[i]);
  const r = median(reads[i]);
  console.log(
    `| ${name} | ${m.toFixed(0)} | ${(m / plain).toFixed(3)}x | ${r.toFixed(1)} | ${(r / plainReads).toFixed(3)}x |`,
  );
});
if (process.env.VERBOSE)
  for (const [i, [name]] of cases.entries())
    console.log(
      name,
      times[i].map((t) => t.toFixed(0)).join(' '),
      '|',
      reads[i].map((t) => t.toFixed(0)).join(' '),
    );
console.log(
  `background recording after exit (detached child): cold ${coldBackground.toFixed(0)} ms after a ${coldRun.toFixed(0)} ms run, then median ${median(background).toFixed(0)} ms`,
);
rmSync(work, { recursive: true, force: true });
