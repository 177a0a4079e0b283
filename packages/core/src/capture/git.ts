/**
 * Git state of the code a run executes: commit, branch, remote (without credentials), dirty
 * flag (tracked files changed), the number of untracked files, and a size-capped diff against HEAD. Every probe is an asynchronous `git` subprocess
 * with a timeout, run in parallel; a missing git or a directory outside a repository simply
 * gives no git information.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { logger } from '../log.js';
import { redactString, stripUrlCredentials } from './redact.js';

export interface GitInfo {
  /** The repository's top-level folder (where the entry script's path is relative to). */
  root?: string;
  commit?: string;
  branch?: string;
  remote?: string;
  /** Tracked files changed (staged or not) since HEAD. Untracked files alone do not count. */
  dirty?: boolean;
  /** How many untracked files and folders `git status` lists (not ignored ones). */
  untracked?: number;
  /** `git diff HEAD`, redacted, at most `DIFF_CAP_BYTES`. */
  diff?: string;
  diffTruncated?: boolean;
  /** Size and sha256 of the full, untruncated diff. */
  diffBytes?: number;
  diffDigest?: string;
}

export const DIFF_CAP_BYTES = 500 * 1024;
const TIMEOUT_MS = 5_000;

// Never prompt for credentials, and never take .git/index.lock: `git status` otherwise
// refreshes the index and can collide with the user's own git commands.
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, env: GIT_ENV, timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        if (error) {
          logger.debug(`git ${args.join(' ')} failed in ${cwd}:`, error.message);
          resolve(undefined);
        } else {
          resolve(stdout.trim());
        }
      },
    );
  });
}

interface DiffResult {
  text: string;
  truncated: boolean;
  bytes: number;
  digest: string;
}

// Streams the diff so that a huge one is hashed in full but only its head is kept in memory.
function diffAgainstHead(cwd: string): Promise<DiffResult | undefined> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], {
        cwd,
        env: GIT_ENV,
        timeout: TIMEOUT_MS,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch (error) {
      logger.debug('git diff could not start:', error);
      resolve(undefined);
      return;
    }
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let bytes = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (keptBytes < DIFF_CAP_BYTES) {
        const part = chunk.subarray(0, DIFF_CAP_BYTES - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
    });
    child.on('error', (error) => {
      logger.debug('git diff failed:', error.message);
      resolve(undefined);
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        logger.debug(`git diff HEAD exited with ${signal ?? code}`);
        resolve(undefined);
        return;
      }
      // A cut in the middle of a UTF-8 sequence decodes to U+FFFD; acceptable for a preview.
      const text = Buffer.concat(kept).toString('utf8');
      resolve({ text, truncated: bytes > DIFF_CAP_BYTES, bytes, digest: `sha256:${hash.digest('hex')}` });
    });
  });
}

/**
 * Git state of the repository containing `cwd`; an empty object outside a repository.
 * Never rejects.
 *
 * @example
 * const { commit, dirty } = await captureGit(process.cwd());
 */
export async function captureGit(cwd: string): Promise<GitInfo> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (top === undefined) return {};
  const [commit, branch, remote, status, diff] = await Promise.all([
    git(top, ['rev-parse', 'HEAD']),
    git(top, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(top, ['remote', 'get-url', 'origin']),
    git(top, ['status', '--porcelain']),
    diffAgainstHead(top),
  ]);
  const info: GitInfo = { root: top };
  if (commit) info.commit = commit;
  // 'HEAD' is what --abbrev-ref prints for a detached head: no branch.
  if (branch && branch !== 'HEAD') info.branch = branch;
  if (remote) info.remote = redactString(stripUrlCredentials(remote));
  if (status !== undefined) {
    // Porcelain lines are `XY path`; `??` marks an untracked path, which no diff against HEAD shows.
    const lines = status.split('\n').filter((line) => line.length > 0);
    const untracked = lines.filter((line) => line.startsWith('??')).length;
    info.dirty = lines.length > untracked;
    info.untracked = untracked;
  }
  if (diff) {
    info.diff = redactString(diff.text);
    info.diffTruncated = diff.truncated;
    info.diffBytes = diff.bytes;
    info.diffDigest = diff.digest;
  }
  return info;
}
