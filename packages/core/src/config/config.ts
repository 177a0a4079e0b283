/**
 * mlmeta's configuration: `MLMETA_*` environment variables, overridden by options in code.
 * Parsing is lenient (see env.ts): a bad variable warns once and falls back to its default,
 * so that a typo in a CI job never stops a training run.
 */
import type { z } from 'zod';
import { isLogLevel, type LogLevel } from '../log.js';
import { loadOpenLineageConfig, type OpenLineageConfig } from '../openlineage/config.js';
import { lazySchema, zod } from '../zod.js';
import { type Env, parseEnv, readEnv, splitList, warnBadValue } from './env.js';

/**
 * The parts of capture that MLMETA_CAPTURE / MLMETA_CAPTURE_DISABLED switch.
 *
 * @example
 * loadConfig({ capture: { hardware: false } }); // one of CAPTURE_PARTS
 */
export const CAPTURE_PARTS = ['git', 'packages', 'hardware', 'dataset', 'system', 'files'] as const;
/**
 * One switchable part of capture.
 *
 * @example
 * const off: CapturePart[] = ['git', 'hardware'];
 */
export type CapturePart = (typeof CAPTURE_PARTS)[number];

/**
 * How often per-batch metrics are logged (MLMETA_LOG_BATCHES).
 *
 * @example
 * mlmeta.callback({ logBatches: { every: 10 } });
 */
export type LogBatches = 'epoch' | 'batch' | { every: number };

/**
 * mlmeta's configuration, from MLMETA_* variables with options in code on top.
 *
 * @example
 * const config: MlmetaConfig = loadConfig({ experiment: 'mnist' });
 */
export interface MlmetaConfig {
  /** MLMETA_STORE: `sqlite:<path>`, `postgres://...` or `http(s)://...`. */
  store: string;
  /** MLMETA_DISABLED: record nothing. */
  disabled: boolean;
  /** MLMETA_EXPERIMENT: experiment context name. */
  experiment?: string;
  /** MLMETA_RUN_NAME. */
  runName?: string;
  /** MLMETA_TAGS: `k=v,k=v` (values may be percent-encoded). */
  tags: Record<string, string>;
  /** MLMETA_TOKEN: bearer token for an http(s) store; never recorded. */
  token?: string;
  /** MLMETA_CAPTURE (only these) and MLMETA_CAPTURE_DISABLED (all but these). */
  capture: Record<CapturePart, boolean>;
  /** MLMETA_LOG_BATCHES: `epoch`, `batch` or a number N (every N batches). */
  logBatches: LogBatches;
  /** MLMETA_SPOOL_DIR. */
  spoolDir: string;
  /** MLMETA_LOG_LEVEL. */
  logLevel: LogLevel;
  /** MLMETA_HEARTBEAT_INTERVAL, given in seconds in the environment. */
  heartbeatIntervalMs: number;
  /** MLMETA_SYSTEM_INTERVAL, in seconds: how often a live run samples CPU, memory and GPUs. */
  systemIntervalMs: number;
  /** MLMETA_SERVE_FLUSH_INTERVAL, in seconds: how often a served model's statistics are written. */
  serveFlushIntervalMs: number;
  /** Built-in allowlist plus MLMETA_ENV_ALLOWLIST; `NAME_*` entries are prefixes. */
  envAllowlist: string[];
  /** MLMETA_DATASET_BYTE_BUDGET: bytes hashed per streamed dataset (suffixes KiB, MiB, GiB allowed). */
  datasetByteBudget: number;
  /** MLMETA_PIPELINE: the pipeline whose step this process is (groups steps under one context). */
  pipeline?: string;
  /** MLMETA_PIPELINE_RUN: which run of the pipeline; default one per parent process (a shell script). */
  pipelineRun?: string;
  /** OpenLineage output (OPENLINEAGE_URL, OPENLINEAGE__TRANSPORT__*, OPENLINEAGE_CONFIG); off when absent. */
  openLineage?: OpenLineageConfig;
}

/**
 * Environment variables recorded by default. Values still pass through redaction; MLMETA_TOKEN
 * is excluded even if a user lists it.
 */
export const DEFAULT_ENV_ALLOWLIST: readonly string[] = [
  'NODE_ENV',
  'NODE_OPTIONS',
  'UV_THREADPOOL_SIZE',
  'TZ',
  'LANG',
  'TF_*',
  'TFJS_*',
  'CUDA_VISIBLE_DEVICES',
  'CUDA_DEVICE_ORDER',
  'NVIDIA_VISIBLE_DEVICES',
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'ORT_*',
  'ONNXRUNTIME_*',
  'CI',
  'GITHUB_ACTIONS',
  'GITHUB_SHA',
  'GITHUB_REF',
  'GITHUB_RUN_ID',
  'GITHUB_WORKFLOW',
  'GITLAB_CI',
  'CI_COMMIT_SHA',
  'CI_PIPELINE_ID',
  'BUILDKITE',
  'BUILDKITE_BUILD_NUMBER',
  'JENKINS_URL',
  'BUILD_NUMBER',
  'MLMETA_*',
];

const DEFAULTS = {
  store: 'sqlite:.mlmeta/mlmeta.db',
  spoolDir: '.mlmeta/spool',
  logLevel: 'warn' as LogLevel,
  heartbeatIntervalMs: 15_000,
  systemIntervalMs: 10_000,
  serveFlushIntervalMs: 30_000,
  datasetByteBudget: 256 * 1024 * 1024,
  logBatches: 'epoch' as LogBatches,
};

// The environment is read at every process start under the preload hook: these parsers are plain
// functions (undefined = invalid), so that reading it never loads zod.
const booleanText = (text: string): boolean | undefined => {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
};

const STORE_URI = /^(?:sqlite:.+|postgres(?:ql)?:\/\/.+|https?:\/\/.+)$/i;
const storeUri = (text: string): string | undefined => (STORE_URI.test(text) ? text : undefined);

const positiveSeconds = (text: string): number | undefined => {
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
};

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};
const byteSize = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
};

const logBatchesText = (text: string): LogBatches | undefined => {
  const lower = text.toLowerCase();
  if (lower === 'epoch' || lower === 'batch') return lower;
  const every = /^(?:every[\s:=]*)?(\d+)$/.exec(lower);
  return every && Number(every[1]) >= 1 ? { every: Number(every[1]) } : undefined;
};

const logLevelText = (text: string): LogLevel | undefined => {
  const lower = text.toLowerCase();
  return isLogLevel(lower) ? lower : undefined;
};

function parseTags(env: Env): Record<string, string> {
  const value = readEnv(env, 'MLMETA_TAGS');
  const tags: Record<string, string> = {};
  if (value === undefined) return tags;
  let bad = false;
  for (const entry of splitList(value)) {
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (key === '') {
      bad = true;
      continue;
    }
    const raw = entry.slice(eq + 1).trim();
    try {
      tags[key] = decodeURIComponent(raw);
    } catch {
      tags[key] = raw;
    }
  }
  if (bad)
    warnBadValue('MLMETA_TAGS', 'comma-separated key=value pairs (team=vision,stage=dev)', 'the valid pairs');
  return tags;
}

function parseCaptureList(env: Env, name: string): CapturePart[] | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  const parts = splitList(value).map((p) => p.toLowerCase());
  const known = parts.filter((p): p is CapturePart => (CAPTURE_PARTS as readonly string[]).includes(p));
  if (known.length !== parts.length) {
    warnBadValue(name, `a comma list of ${CAPTURE_PARTS.join(', ')}`, 'the known names only');
  }
  return known;
}

function parseCapture(env: Env): Record<CapturePart, boolean> {
  const only = parseCaptureList(env, 'MLMETA_CAPTURE');
  const off = parseCaptureList(env, 'MLMETA_CAPTURE_DISABLED') ?? [];
  const capture = {} as Record<CapturePart, boolean>;
  for (const part of CAPTURE_PARTS)
    capture[part] = (only === undefined || only.includes(part)) && !off.includes(part);
  return capture;
}

function parseAllowlist(env: Env): string[] {
  const extra = readEnv(env, 'MLMETA_ENV_ALLOWLIST');
  const names = [...DEFAULT_ENV_ALLOWLIST, ...(extra === undefined ? [] : splitList(extra))];
  return [...new Set(names)];
}

/** The configuration the environment alone describes. */
function fromEnv(env: Env): MlmetaConfig {
  const bool = 'true or false';
  return {
    store:
      parseEnv(
        env,
        'MLMETA_STORE',
        storeUri,
        'sqlite:<path>, postgres://... or http(s)://...',
        DEFAULTS.store,
      ) ?? DEFAULTS.store,
    disabled: parseEnv(env, 'MLMETA_DISABLED', booleanText, bool, 'false') ?? false,
    experiment: readEnv(env, 'MLMETA_EXPERIMENT'),
    runName: readEnv(env, 'MLMETA_RUN_NAME'),
    tags: parseTags(env),
    token: readEnv(env, 'MLMETA_TOKEN'),
    capture: parseCapture(env),
    logBatches:
      parseEnv(env, 'MLMETA_LOG_BATCHES', logBatchesText, 'epoch, batch or a whole number N >= 1', 'epoch') ??
      DEFAULTS.logBatches,
    spoolDir: readEnv(env, 'MLMETA_SPOOL_DIR') ?? DEFAULTS.spoolDir,
    logLevel:
      parseEnv(env, 'MLMETA_LOG_LEVEL', logLevelText, 'debug, info, warn, error or silent', 'warn') ??
      DEFAULTS.logLevel,
    heartbeatIntervalMs:
      parseEnv(env, 'MLMETA_HEARTBEAT_INTERVAL', positiveSeconds, 'a number of seconds > 0', '15') ??
      DEFAULTS.heartbeatIntervalMs,
    systemIntervalMs:
      parseEnv(env, 'MLMETA_SYSTEM_INTERVAL', positiveSeconds, 'a number of seconds > 0', '10') ??
      DEFAULTS.systemIntervalMs,
    serveFlushIntervalMs:
      parseEnv(env, 'MLMETA_SERVE_FLUSH_INTERVAL', positiveSeconds, 'a number of seconds > 0', '30') ??
      DEFAULTS.serveFlushIntervalMs,
    envAllowlist: parseAllowlist(env),
    datasetByteBudget:
      parseEnv(
        env,
        'MLMETA_DATASET_BYTE_BUDGET',
        byteSize,
        'a byte count such as 268435456 or 256MiB',
        '256MiB',
      ) ?? DEFAULTS.datasetByteBudget,
    pipeline: readEnv(env, 'MLMETA_PIPELINE'),
    pipelineRun: readEnv(env, 'MLMETA_PIPELINE_RUN'),
    openLineage: loadOpenLineageConfig(env),
  };
}

// Options passed in code are typed, but plain-JS callers can still pass anything: each field
// is checked, and a bad one warns once and keeps the environment's value.
const overrideSchema = lazySchema(() => ({
  store: zod.string().regex(STORE_URI),
  disabled: zod.boolean(),
  experiment: zod.string(),
  runName: zod.string(),
  tags: zod.record(zod.string(), zod.string()),
  token: zod.string(),
  capture: zod.object(Object.fromEntries(CAPTURE_PARTS.map((p) => [p, zod.boolean()]))).partial(),
  logBatches: zod.union([zod.enum(['epoch', 'batch']), zod.object({ every: zod.number().int().positive() })]),
  spoolDir: zod.string().min(1),
  logLevel: zod.string().refine(isLogLevel),
  heartbeatIntervalMs: zod.number().finite().positive(),
  systemIntervalMs: zod.number().finite().positive(),
  serveFlushIntervalMs: zod.number().finite().positive(),
  envAllowlist: zod.array(zod.string()),
  datasetByteBudget: zod.number().int().positive(),
  pipeline: zod.string().min(1),
  pipelineRun: zod.string().min(1),
  openLineage: zod.object({
    transport: zod.union([
      zod.object({
        type: zod.literal('http'),
        url: zod.string().url(),
        endpoint: zod.string(),
        apiKey: zod.string().optional(),
        timeoutMs: zod.number().positive(),
      }),
      zod.object({ type: zod.literal('file'), path: zod.string().min(1) }),
    ]),
    namespace: zod.string().min(1).optional(),
  }),
})) satisfies Record<keyof MlmetaConfig, z.ZodType>;

const OVERRIDABLE = new Set<string>([
  'store',
  'disabled',
  'experiment',
  'runName',
  'tags',
  'token',
  'capture',
  'logBatches',
  'spoolDir',
  'logLevel',
  'heartbeatIntervalMs',
  'systemIntervalMs',
  'serveFlushIntervalMs',
  'envAllowlist',
  'datasetByteBudget',
  'pipeline',
  'pipelineRun',
  'openLineage',
] satisfies (keyof MlmetaConfig)[]);

/**
 * Reads the configuration from `env` (default process.env) and applies `overrides`. Never
 * throws; bad values warn once and use the default. `capture` overrides merge per part.
 *
 * @example
 * const config = loadConfig({ experiment: 'mnist', capture: { hardware: false } });
 */
export function loadConfig(
  overrides: Partial<Omit<MlmetaConfig, 'capture'>> & { capture?: Partial<MlmetaConfig['capture']> } = {},
  env: Env = process.env,
): MlmetaConfig {
  const config = fromEnv(env);
  const target = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || !OVERRIDABLE.has(key)) continue;
    const schema = overrideSchema[key as keyof MlmetaConfig];
    if (!schema.safeParse(value).success) {
      warnBadValue(`option ${key}`, 'a value of the documented type', 'the environment or default value');
      continue;
    }
    target[key] = key === 'capture' ? { ...config.capture, ...(value as object) } : value;
  }
  return config;
}
