/**
 * What a run executed in: runtime versions, libraries, code (entry script, git), command line,
 * host and allowlisted environment variables. Every part is optional: a probe that fails
 * leaves its part out (with a debug log line) and never fails the capture.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { sha256File } from '../files/digest.js';
import { logger } from '../log.js';
import { captureGit, type GitInfo } from './git.js';
import { capturePackages, type PackagesInfo } from './packages.js';
import { isSecretKey, REDACTED, redact, redactString } from './redact.js';

/**
 * Where a run ran: Node and V8, platform, argv, allowlisted env, entry script, packages, lockfile, git.
 *
 * @example
 * const env = await captureEnvironment({ git: true, packages: true, envAllowlist: ['CUDA_*'] });
 */
export interface EnvironmentInfo {
  node: string;
  v8: string;
  openssl?: string;
  platform: string;
  arch: string;
  pid: number;
  cwd: string;
  entry?: { path: string; digest?: string };
  /** Arguments after the entry script, redacted. */
  argv: string[];
  /** Node's own flags (--import, --require, ...), redacted. */
  execArgv: string[];
  packages?: PackagesInfo;
  git?: GitInfo;
  host: HostInfo;
  /** Allowlisted variables only, values redacted. */
  env: Record<string, string>;
}

/**
 * The machine and container a run ran on, and the CI provider if any.
 *
 * @example
 * const { host } = await captureEnvironment(options);
 * console.log(host.hostname, host.container.docker);
 */
export interface HostInfo {
  hostname?: string;
  user?: string;
  os: { type: string; release: string; version?: string };
  container: { docker: boolean; kubernetes: boolean; cgroup?: string };
  /** CI providers detected from their environment variables. */
  ci: string[];
}

/**
 * What `captureEnvironment` records: git, packages, which environment variables.
 *
 * @example
 * await captureEnvironment({ git: false, packages: true, envAllowlist: DEFAULT_ENV_ALLOWLIST.slice() });
 */
export interface CaptureEnvironmentOptions {
  git: boolean;
  packages: boolean;
  /** Names, or `PREFIX_*` patterns, of variables that may be recorded. */
  envAllowlist: string[];
  /** Where to look for the project and repository; default the entry script's directory, else cwd. */
  cwd?: string;
  /** Default process.argv. */
  argv?: string[];
  /** Default process.execArgv (a worker thread has its own: pass the process's). */
  execArgv?: string[];
  /** Default process.env. */
  env?: Record<string, string | undefined>;
}

/** Never recorded, even when allowlisted: it authenticates to the store itself. */
const NEVER_RECORDED = new Set(['MLMETA_TOKEN']);

const CI_VARIABLES: Record<string, string> = {
  GITHUB_ACTIONS: 'github-actions',
  GITLAB_CI: 'gitlab',
  BUILDKITE: 'buildkite',
  CIRCLECI: 'circleci',
  TRAVIS: 'travis',
  JENKINS_URL: 'jenkins',
  TF_BUILD: 'azure-pipelines',
  TEAMCITY_VERSION: 'teamcity',
  BITBUCKET_BUILD_NUMBER: 'bitbucket',
  CODEBUILD_BUILD_ID: 'aws-codebuild',
  DRONE: 'drone',
  CI: 'ci',
};

function allowed(name: string, allowlist: string[]): boolean {
  if (NEVER_RECORDED.has(name)) return false;
  return allowlist.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry,
  );
}

/** The allowlisted subset of `env`, with secret-named or secret-looking values redacted. */
export function allowlistedEnv(
  env: Record<string, string | undefined>,
  allowlist: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || !allowed(name, allowlist)) continue;
    out[name] = isSecretKey(name) ? REDACTED : redactString(value);
  }
  return out;
}

async function containerCgroup(): Promise<string | undefined> {
  try {
    const text = await readFile('/proc/1/cgroup', 'utf8');
    return /docker|kubepods|containerd|lxc|podman|libpod/.exec(text)?.[0];
  } catch {
    return undefined;
  }
}

async function captureHost(env: Record<string, string | undefined>): Promise<HostInfo> {
  const host: HostInfo = {
    os: { type: os.type(), release: os.release() },
    container: { docker: existsSync('/.dockerenv'), kubernetes: env.KUBERNETES_SERVICE_HOST !== undefined },
    ci: Object.entries(CI_VARIABLES)
      .filter(([name]) => env[name] !== undefined && env[name] !== '' && env[name] !== 'false')
      .map(([, provider]) => provider),
  };
  try {
    host.os.version = os.version();
    host.hostname = os.hostname();
  } catch (error) {
    logger.debug('hostname unavailable:', error);
  }
  try {
    // Throws when the uid has no passwd entry (common in containers run with --user).
    host.user = os.userInfo().username;
  } catch (error) {
    logger.debug('user name unavailable:', error);
  }
  const cgroup = await containerCgroup();
  if (cgroup) host.container.cgroup = cgroup;
  return host;
}

async function captureEntry(script: string | undefined): Promise<EnvironmentInfo['entry']> {
  if (!script) return undefined;
  const path = resolve(script);
  try {
    return { path, digest: await sha256File(path) };
  } catch (error) {
    logger.debug(`entry script ${path} could not be hashed:`, error);
    return { path };
  }
}

async function attempt<T>(part: string, task: () => Promise<T>): Promise<T | undefined> {
  try {
    return await task();
  } catch (error) {
    logger.debug(`environment capture: ${part} failed:`, error);
    return undefined;
  }
}

/**
 * Captures the run's environment, already redacted and JSON-safe. Never rejects.
 *
 * @example
 * const env = await captureEnvironment({ git: true, packages: true, envAllowlist: config.envAllowlist });
 * env.git?.commit; env.packages?.frameworks['@tensorflow/tfjs'];
 */
export async function captureEnvironment(options: CaptureEnvironmentOptions): Promise<EnvironmentInfo> {
  const argv = options.argv ?? process.argv;
  const env = options.env ?? process.env;
  const script = argv[1];
  const base = options.cwd ?? (script && existsSync(script) ? dirname(resolve(script)) : process.cwd());
  const [entry, packages, git, host] = await Promise.all([
    attempt('entry', () => captureEntry(script)),
    options.packages ? attempt('packages', () => capturePackages(base)) : undefined,
    options.git ? attempt('git', () => captureGit(base)) : undefined,
    attempt('host', () => captureHost(env)),
  ]);
  const info: EnvironmentInfo = {
    node: process.versions.node,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    pid: process.pid,
    cwd: process.cwd(),
    argv: redact(argv.slice(2)),
    execArgv: redact(options.execArgv ?? process.execArgv),
    host: host ?? {
      os: { type: 'unknown', release: 'unknown' },
      container: { docker: false, kubernetes: false },
      ci: [],
    },
    env: allowlistedEnv(env, options.envAllowlist),
  };
  if (process.versions.openssl) info.openssl = process.versions.openssl;
  if (entry) info.entry = entry;
  if (packages) info.packages = packages;
  if (git && Object.keys(git).length > 0) info.git = git;
  return info;
}
