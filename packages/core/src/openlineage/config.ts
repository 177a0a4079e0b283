/**
 * OpenLineage output is configured the OpenLineage way, as its own clients read it: the
 * `OPENLINEAGE_URL` family, the `OPENLINEAGE__TRANSPORT__*` variables of openlineage-python, or
 * an `OPENLINEAGE_CONFIG` file. Nothing set means off. Like every mlmeta variable, a bad value is
 * one warning and OpenLineage stays off; the run itself is never affected.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { type Env, readEnv, warnBadValue } from '../config/env.js';
import { ownModule } from '../own-module.js';
import { redactUri } from '../store/open.js';
import { lazySchema, zod } from '../zod.js';

/**
 * Where events go: an HTTP endpoint (Marquez, an mlmeta server, any OpenLineage backend) or a JSON-lines file.
 *
 * @example
 * const transport: OpenLineageTransportConfig = { type: 'file', path: '.mlmeta/lineage.jsonl' };
 */
export type OpenLineageTransportConfig =
  | {
      type: 'http';
      /** Base URL, e.g. `http://marquez:5000`. */
      url: string;
      /** Path under `url`; default `api/v1/lineage`. */
      endpoint: string;
      /** Sent as `Authorization: Bearer <apiKey>`; never recorded or logged. */
      apiKey?: string;
      timeoutMs: number;
    }
  | {
      type: 'file';
      /** Events are appended to this file, one JSON object per line. */
      path: string;
    };

/**
 * What `loadOpenLineageConfig` found: where to send events and the namespace to name jobs in.
 *
 * @example
 * const config: OpenLineageConfig = { transport: { type: 'file', path: 'lineage.jsonl' } };
 */
export interface OpenLineageConfig {
  transport: OpenLineageTransportConfig;
  /** OPENLINEAGE_NAMESPACE: the jobs' namespace; default each run's experiment. */
  namespace?: string;
}

/**
 * Where OpenLineage's HTTP API takes events, under the base URL.
 *
 * @example
 * `${url}/${DEFAULT_OPENLINEAGE_ENDPOINT}`; // 'http://marquez:5000/api/v1/lineage'
 */
export const DEFAULT_OPENLINEAGE_ENDPOINT = 'api/v1/lineage';
const DEFAULT_TIMEOUT_MS = 5000;

const httpUrl = lazySchema(() =>
  zod.string().refine((text) => {
    try {
      return ['http:', 'https:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }),
);

/** The transport section of an openlineage.yml or of OPENLINEAGE__TRANSPORT__*. */
const TransportSection = lazySchema(() =>
  zod.object({
    type: zod.string(),
    url: zod.string().optional(),
    endpoint: zod.string().optional(),
    timeout: zod.union([zod.number(), zod.string()]).optional(),
    auth: zod
      .object({
        type: zod.string().optional(),
        api_key: zod.string().optional(),
        apiKey: zod.string().optional(),
      })
      .optional(),
    log_file_path: zod.string().optional(),
  }),
);
type TransportSection = z.infer<typeof TransportSection>;

/** `OPENLINEAGE__TRANSPORT__AUTH__API_KEY=x` → `{ auth: { api_key: 'x' } }`, as openlineage-python reads them. */
function transportFromDynamicEnv(env: Env): Record<string, unknown> | undefined {
  const prefix = 'OPENLINEAGE__TRANSPORT__';
  const section: Record<string, unknown> = {};
  for (const name of Object.keys(env)) {
    if (!name.startsWith(prefix)) continue;
    const value = readEnv(env, name);
    if (value === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__');
    let into = section;
    for (const part of path.slice(0, -1)) {
      into[part] ??= {};
      into = into[part] as Record<string, unknown>;
    }
    into[path.at(-1)!] = value;
  }
  return Object.keys(section).length > 0 ? section : undefined;
}

function transportFromConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    warnBadValue('OPENLINEAGE_CONFIG', 'the path of a readable openlineage.yml', 'no OpenLineage output');
    return undefined;
  }
  try {
    // openlineage.yml, as openlineage-python and the Java client read it (JSON is YAML too);
    // the parser loads only when a config file is named.
    const yaml = createRequire(ownModule())('yaml') as typeof import('yaml');
    return (yaml.parse(text) as { transport?: unknown } | null)?.transport;
  } catch (error) {
    warnBadValue(
      'OPENLINEAGE_CONFIG',
      `a YAML file with a transport section (transport: {type: file, log_file_path: lineage.jsonl}); it does not parse: ${(error as Error).message?.split('\n')[0]}`,
      'no OpenLineage output',
    );
    return undefined;
  }
}

function toTransport(
  section: TransportSection,
  env: Env,
  source: string,
): OpenLineageTransportConfig | undefined {
  const type = section.type.toLowerCase();
  if (type === 'file') {
    if (section.log_file_path) return { type: 'file', path: section.log_file_path };
    warnBadValue(`${source} (file transport)`, 'a log_file_path', 'no OpenLineage output');
    return undefined;
  }
  if (type !== 'http') {
    warnBadValue(
      `${source} type "${type}"`,
      'http or file (the transports mlmeta has)',
      'no OpenLineage output',
    );
    return undefined;
  }
  const url = section.url ?? readEnv(env, 'OPENLINEAGE_URL');
  if (url === undefined || !httpUrl.safeParse(url).success) {
    warnBadValue(`${source} url`, 'an http(s):// URL such as http://marquez:5000', 'no OpenLineage output');
    return undefined;
  }
  const timeout = Number(section.timeout);
  return {
    type: 'http',
    url,
    endpoint: section.endpoint ?? readEnv(env, 'OPENLINEAGE_ENDPOINT') ?? DEFAULT_OPENLINEAGE_ENDPOINT,
    apiKey: section.auth?.api_key ?? section.auth?.apiKey ?? readEnv(env, 'OPENLINEAGE_API_KEY'),
    // openlineage-python's timeout is in seconds.
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : DEFAULT_TIMEOUT_MS,
  };
}

/**
 * The OpenLineage output `env` asks for, or undefined (off). In order: OPENLINEAGE_DISABLED=true
 * turns it off; `OPENLINEAGE__TRANSPORT__TYPE` (`http` or `file`, with `__URL`, `__ENDPOINT`,
 * `__AUTH__API_KEY`, `__LOG_FILE_PATH`); an `OPENLINEAGE_CONFIG` file; `OPENLINEAGE_URL` (with
 * `OPENLINEAGE_ENDPOINT`, `OPENLINEAGE_API_KEY`). Never throws.
 *
 * @example
 * loadOpenLineageConfig({ OPENLINEAGE_URL: 'http://marquez:5000', OPENLINEAGE_NAMESPACE: 'vision' });
 * // → { transport: { type: 'http', url: 'http://marquez:5000', endpoint: 'api/v1/lineage', ... }, namespace: 'vision' }
 */
export function loadOpenLineageConfig(env: Env = process.env): OpenLineageConfig | undefined {
  if (readEnv(env, 'OPENLINEAGE_DISABLED')?.toLowerCase() === 'true') return undefined;
  const namespace = readEnv(env, 'OPENLINEAGE_NAMESPACE');
  const withNamespace = (transport: OpenLineageTransportConfig | undefined) =>
    transport === undefined ? undefined : { transport, ...(namespace ? { namespace } : {}) };
  const dynamic = transportFromDynamicEnv(env);
  const configFile = readEnv(env, 'OPENLINEAGE_CONFIG');
  const [section, source] =
    dynamic !== undefined
      ? [dynamic, 'OPENLINEAGE__TRANSPORT__*']
      : configFile !== undefined
        ? [transportFromConfigFile(configFile), 'OPENLINEAGE_CONFIG']
        : [undefined, ''];
  if (section !== undefined) {
    const parsed = TransportSection.safeParse(section);
    if (!parsed.success) {
      warnBadValue(source, 'a transport with a type (http or file)', 'no OpenLineage output');
      return undefined;
    }
    return withNamespace(toTransport(parsed.data, env, source));
  }
  if (configFile !== undefined) return undefined;
  const url = readEnv(env, 'OPENLINEAGE_URL');
  if (url === undefined) return undefined;
  return withNamespace(toTransport({ type: 'http', url }, env, 'OPENLINEAGE_URL'));
}

/**
 * The transport for messages: where, never with what key.
 *
 * @example
 * describeOpenLineageTransport({ type: 'file', path: 'lineage.jsonl' }); // 'the OpenLineage file lineage.jsonl'
 */
export function describeOpenLineageTransport(transport: OpenLineageTransportConfig): string {
  return transport.type === 'file'
    ? `the OpenLineage file ${transport.path}`
    : `the OpenLineage endpoint ${redactUri(openLineageEndpointUrl(transport))}`;
}

/**
 * `url` joined with `endpoint`.
 *
 * @example
 * openLineageEndpointUrl({ type: 'http', url: 'http://host:5000', endpoint: 'api/v1/lineage', timeoutMs: 5000 });
 * // 'http://host:5000/api/v1/lineage'
 */
export function openLineageEndpointUrl(
  transport: Extract<OpenLineageTransportConfig, { type: 'http' }>,
): string {
  return new URL(
    transport.endpoint.replace(/^\/+/, ''),
    transport.url.endsWith('/') ? transport.url : `${transport.url}/`,
  ).href;
}
