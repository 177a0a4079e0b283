// Cost of the preload hook's file capture for a script that reads 10,000 small files (4 KiB)
// and one 1 GiB file (streamed): plain node, the hook with MLMETA_CAPTURE_DISABLED=files, and
// the hook with file capture on. Commands run interleaved, one of each per round, against a
// store that already exists (a first, unmeasured round creates it). The program's wall time is
// what is measured: its files are recorded after it exits, by a detached child (digests, the
// Script execution, the store write), which the bench waits for before the next command, so
// that child's work never overlaps a measured run. That child then stays a while as the spool's
// serving recorder, so the "file capture on" runs after the first hand their job to it (as a
// pipeline's next step or a script run again does); "first in its spool" runs in a spool of its
// own each time, so its exit starts the child (a script run once). The first (cold) round's background time is
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
  // A spool of its own each time: no serving recorder there, so the exit starts the recorder child.
  ['--import register (file capture on), first in its spool', ['--import', register], { COLD: true }],
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

let coldRuns = 0;
function once([, args, { COLD, ...env }]) {
  const spool = COLD ? { MLMETA_SPOOL_DIR: join(work, 'cold-spools', String(coldRuns++)) } : {};
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...args, 'read.mjs'], {
    cwd: work,
    env: { ...base, ...env, ...spool },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, reads: Number(result.stdout.split(' ')[1]) };
}

async function settled() {
  const start = process.hrtime.bigint();
  const spools = [join(work, '.mlmeta', 'spool')];
  if (existsSync(join(work, 'cold-spools')))
    spools.push(...readdirSync(join(work, 'cold-spools')).map((n) => join(work, 'cold-spools', n)));
  for (const spool of spools) {
    const pending = await waitForFileRecords(spool, 600_000);
    if (pending > 0) throw new Error('the background file records did not finish');
  }
  const waited = Number(process.hrtime.bigint() - start) / 1e6;
  // A child that does not stay to serve removes its (empty) job log as it exits: wait for that
  // too, so it never overlaps the next command. A serving recorder's own log stays while it
  // waits (idle: it looks at its folder every 100 ms).
  const jobLog = (f) => f.endsWith('.log') && !f.startsWith('recorder-');
  for (const spool of spools) {
    const records = fileRecordsDir(spool);
    for (let i = 0; i < 100 && existsSync(records) && readdirSync(records).some(jobLog); i++)
      await new Promise((done) => setTimeout(done, 50));
  }
  // A cold spool's recorder stops when its folder is gone.
  rmSync(join(work, 'cold-spools'), { recursive: true, force: true });
  return waited;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const coldRun = once(cases[2]).wall; // creates the store (migrations are not what is measured)
const coldBackground = await settled();
const background = [];
const coldBackgrounds = [];
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
    if (i === 3) coldBackgrounds.push(waited);
  }
  loads.push(loadavg()[0]);
}
// Per round, each command against plain node and against the hook without file capture, run
// a moment apart: the median of those ratios follows the load less than a ratio of medians.
const paired = (i, base, of = times) => median(of[i].map((t, round) => t / of[base][round]));
console.log(
  `file capture: ${SMALL} × 4 KiB + ${BIG_MIB} MiB, ${ROUNDS} rounds, ${cpus().length} cpus, load (1 min) ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
);
console.log(
  `| command | median ms | vs plain, paired | vs hook without file capture, paired | ${SMALL} reads in the script, median ms | reads vs hook without file capture, paired |`,
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
cases.forEach(([name], i) => {
  console.log(
    `| ${name} | ${median(times[i]).toFixed(0)} | ${paired(i, 0).toFixed(3)}x | ${paired(i, 1).toFixed(3)}x | ${median(reads[i]).toFixed(1)} | ${paired(i, 1, reads).toFixed(3)}x |`,
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
  `background recording after exit: ${coldBackground.toFixed(0)} ms for data never seen (after a ${coldRun.toFixed(0)} ms run); then, digests cached, median ${median(background).toFixed(0)} ms by the serving recorder, ${median(coldBackgrounds).toFixed(0)} ms by a child started at exit`,
);
rmSync(work, { recursive: true, force: true });
