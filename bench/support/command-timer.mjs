// Times a node command the way hyperfine does (wall clock around a fresh process), and also its
// CPU time (user + system, through GNU time when /usr/bin/time exists), which a loaded machine
// inflates far less than the wall clock: the benchmarks report both, in interleaved rounds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { median } from './workload.mjs';

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_LINE = /^mlmeta-cpu (\d+\.\d+) (\d+\.\d+)$/m;

/** One run of `node ...args`: wall and CPU milliseconds. Throws when it fails. */
export function timeNode(args, options) {
  const [command, argv] = GNU_TIME
    ? [GNU_TIME, ['-f', 'mlmeta-cpu %U %S', process.execPath, ...args]]
    : [process.execPath, args];
  const start = process.hrtime.bigint();
  const result = spawnSync(command, argv, { ...options, stdio: 'pipe', encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  const cpu = CPU_LINE.exec(result.stderr);
  return { wall, cpu: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined };
}

/**
 * Runs every case once to warm the file cache, then `rounds` rounds of one run per case, and
 * prints a Markdown table: medians, and the ratio to the first case (the reference).
 */
export function compareCommands(cases, { rounds, ...options }) {
  for (const [, args] of cases) timeNode(args, options);
  const wall = cases.map(() => []);
  const cpu = cases.map(() => []);
  const load = [loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    cases.forEach(([, args], i) => {
      const t = timeNode(args, options);
      wall[i].push(t.wall);
      if (t.cpu !== undefined) cpu[i].push(t.cpu);
    });
    load.push(loadavg()[0]);
  }
  const range = `${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`;
  console.log(`${rounds} interleaved rounds, 1-minute load average ${range}, ${process.version}`);
  console.log('| command | wall (median) | ratio | CPU user+sys (median) | ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  const base = { wall: median(wall[0]), cpu: cpu[0].length ? median(cpu[0]) : undefined };
  cases.forEach(([label], i) => {
    const w = median(wall[i]);
    const c = cpu[i].length ? median(cpu[i]) : undefined;
    const cpuCells = c === undefined ? '- | -' : `${c.toFixed(0)} ms | ${(c / base.cpu).toFixed(2)}x`;
    console.log(`| \`${label}\` | ${w.toFixed(0)} ms | ${(w / base.wall).toFixed(2)}x | ${cpuCells} |`);
  });
}
