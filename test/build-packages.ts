/**
 * vitest globalSetup: before any test file starts, build each package whose dist/ is missing or
 * older than its sources. Test files never build themselves: tsup's `clean` empties dist/ while
 * other test files' child processes load it ("Cannot find module …/dist/index.cjs"). `npm test`
 * builds first, so there this finds nothing to do; it is what keeps `npx vitest run <file>`
 * honest during development. Several vitest processes in one working tree take turns through a
 * lock, and a build waits for the other processes' test runs to end, so no dist/ is rebuilt
 * while tests use it (builds outside vitest, such as `npm run build`, take no part in this).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root, stalePackages, type Workspace } from '../scripts/stale-packages.mjs';

const lockDir = join(root, 'node_modules', '.cache', 'mlmeta-test-build.lock');
/** One empty file per vitest process whose tests are using dist/, named by its pid. */
const readersDir = join(root, 'node_modules', '.cache', 'mlmeta-test-runs');
/** How long to wait for the lock, or for other test runs to end, before giving up. */
const LOCK_WAIT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock holder's pid; undefined while it is being written, 0 for a lock that was never finished. */
function lockOwner(): number | undefined {
  try {
    return Number(readFileSync(join(lockDir, 'pid'), 'utf8')) || undefined;
  } catch {
    try {
      return Date.now() - statSync(lockDir).mtimeMs > 10_000 ? 0 : undefined;
    } catch {
      return undefined; // released meanwhile: try again
    }
  }
}

/** Take the build lock (a directory: creating it is atomic), waiting for another holder. */
async function lock(): Promise<void> {
  mkdirSync(join(lockDir, '..'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = lockOwner();
    // A holder that died mid-build leaves the lock behind; a pid not yet written is a holder
    // starting, unless the lock is old.
    if (owner === 0 || (owner !== undefined && !isAlive(owner)))
      rmSync(lockDir, { recursive: true, force: true });
    else if (Date.now() > deadline) {
      throw new Error(
        `another process (pid ${owner ?? '?'}) has held ${lockDir} for 15 minutes; remove it if no build runs`,
      );
    } else await sleep(500);
  }
}

/** Wait until no other live vitest process is running tests against the built dist/. */
async function waitForOtherRuns(): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const others = existsSync(readersDir)
      ? readdirSync(readersDir)
          .map(Number)
          .filter((pid) => {
            if (pid === process.pid) return false;
            if (isAlive(pid)) return true;
            rmSync(join(readersDir, String(pid)), { force: true });
            return false;
          })
      : [];
    if (others.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `test runs ${others.join(', ')} have used dist/ for 15 minutes; run the tests again when they end`,
      );
    }
    await sleep(1000);
  }
}

async function build(ws: Workspace, reason: string): Promise<void> {
  process.stderr.write(`building ${ws.name} before the tests: ${reason}\n`);
  try {
    await promisify(execFile)('npm', ['run', 'build', '-w', ws.name], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`npm run build -w ${ws.name}\` failed:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`);
  }
}

/**
 * Build what is stale, then register this process as a user of dist/ until its tests end, so
 * that another vitest process in the same tree waits for them before it rebuilds (a build in
 * the middle of a run empties dist/ under that run's child processes).
 */
export default async function buildPackages(): Promise<() => void> {
  await lock();
  try {
    // Checked under the lock: another vitest process may have built them meanwhile.
    const stale = stalePackages();
    if (stale.length > 0) await waitForOtherRuns();
    for (const { ws, reason } of stale) await build(ws, reason);
    mkdirSync(readersDir, { recursive: true });
    writeFileSync(join(readersDir, String(process.pid)), '');
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
  return () => rmSync(join(readersDir, String(process.pid)), { force: true });
}
