/**
 * fast-check arbitraries for requests to every route a server registers: hostile values (ids
 * beyond 2^31, integers beyond 64 bits, NaN-ish text, deep nesting, `__proto__` keys, random
 * filters) in the shapes each route expects, and requests that are malformed by construction
 * (an unknown field, a wrong type, a body that is not JSON). Routes nobody listed here (added
 * later) still get the generic query strings and bodies.
 */
import fc from 'fast-check';
import { filterText } from '../../packages/core/test/filter/filter-arbitrary.js';

export interface GeneratedRequest {
  method: string;
  path: string;
  /** Raw body text, sent as is. */
  body?: string;
  contentType?: string;
}

// ------------------------------------------------------------------ leaves

const edgeNumbers = [
  0,
  -1,
  1,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  1e308,
  0.5,
  -0,
];
const edgeIntegerTexts = [
  '2147483648',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999',
  '1e999',
  '-0',
  '0x10',
  '1.5',
  ' 1',
  'NaN',
  '١٢',
  '',
];

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...edgeNumbers),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

export const hostileIntegerText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...edgeIntegerTexts),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer({ min: 1, max: 50 }).map(String),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '',
    '\u0000',
    '__proto__',
    'constructor',
    "'; DROP TABLE Artifact; --",
    '%',
    '\\',
    'x'.repeat(300),
  ),
  hostileIntegerText,
  filterText,
);

/** `{ a: { a: ... } }` or `[[...]]`, `depth` levels. */
function nested(depth: number, array: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
}

/** JSON values with the hostile shapes in them. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hostileNumber },
  { weight: 1, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 60, max: 2_500 }), fc.boolean()).map(([d, a]) => nested(d, a)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      JSON.parse('{"__proto__": {"admin": true}}'),
      JSON.parse('{"a": {"__proto__": 1}}'),
      JSON.parse('{"constructor": {"prototype": {"x": 1}}}'),
      { $float: 'NaN' },
      { $float: 'nope' },
      { $literal: ['x', 1] },
    ),
  },
);

const hostileId = fc.oneof(hostileNumber, fc.constantFrom(1, 2, 3));
const hostileIds = fc.oneof(fc.array(hostileId, { maxLength: 4 }), hostileJson);
const hostileProps = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor')),
    hostileJson,
    {
      maxKeys: 4,
    },
  ),
  hostileJson,
);
const hostileRef = fc.oneof(
  fc.record({ id: hostileId }),
  fc.record({ externalId: hostileString }),
  fc.record({ id: hostileId, externalId: hostileString }),
  hostileJson,
);

// ------------------------------------------------------------------ per-route shapes

const nodeQueryBody = fc.record(
  {
    filter: filterText,
    orderBy: fc.oneof(fc.constantFrom('id', 'createTime', 'updateTime'), hostileString),
    descending: fc.oneof(fc.boolean(), hostileJson),
    limit: hostileNumber,
    pageToken: hostileString,
    ids: hostileIds,
    externalIds: fc.oneof(fc.array(hostileString, { maxLength: 3 }), hostileJson),
    type: hostileString,
    name: hostileString,
    uri: hostileString,
  },
  { requiredKeys: [] },
);

const lineageBatch = fc.record(
  {
    types: fc.oneof(
      fc.array(
        fc.record(
          {
            kind: fc.oneof(fc.constantFrom('artifact', 'execution', 'context'), hostileString),
            name: hostileString,
            properties: fc.oneof(
              fc.dictionary(hostileString, fc.constantFrom('INT', 'STRING', 'NOPE')),
              hostileJson,
            ),
          },
          { requiredKeys: ['kind', 'name'] },
        ),
        { maxLength: 2 },
      ),
      hostileJson,
    ),
    executions: fc.array(
      fc.record(
        {
          type: fc.oneof(fc.constant('fuzz.Run'), hostileString),
          externalId: hostileString,
          name: hostileString,
          id: hostileId,
          lastKnownState: fc.oneof(fc.constantFrom('RUNNING', 'COMPLETE'), hostileString),
          properties: hostileProps,
          customProperties: hostileProps,
        },
        { requiredKeys: ['type'] },
      ),
      { maxLength: 2 },
    ),
    artifacts: fc.array(
      fc.record(
        {
          type: fc.oneof(fc.constant('fuzz.Data'), hostileString),
          uri: hostileString,
          customProperties: hostileProps,
        },
        { requiredKeys: ['type'] },
      ),
      { maxLength: 2 },
    ),
    events: fc.array(
      fc.record({
        artifact: hostileRef,
        execution: hostileRef,
        type: fc.oneof(fc.constantFrom('INPUT', 'OUTPUT'), hostileString),
        path: fc.oneof(fc.constant([{ key: 'x' }]), hostileJson),
      }),
      { maxLength: 2 },
    ),
    contexts: fc.array(
      fc.record({ type: hostileString, name: hostileString, customProperties: hostileProps }),
      {
        maxLength: 1,
      },
    ),
    associations: fc.array(fc.record({ execution: hostileRef, context: hostileRef }), { maxLength: 1 }),
  },
  { requiredKeys: [] },
);

const metricPoint = fc.record(
  {
    execution: hostileRef,
    key: hostileString,
    step: fc.oneof(hostileNumber, hostileJson),
    value: fc.oneof(hostileNumber, hostileJson),
    wallTime: hostileNumber,
  },
  { requiredKeys: [] },
);

const selector = fc.record(
  { ids: hostileIds, externalIds: hostileJson, filter: filterText },
  { requiredKeys: [] },
);

/** Body shapes by route (`METHOD url`); `:kind` stands for artifacts, executions and contexts. */
const BODIES: Record<string, fc.Arbitrary<unknown>> = {
  'POST /api/v1/types': fc.record(
    { types: lineageBatch.map((b) => b.types ?? []), options: hostileJson },
    {
      requiredKeys: ['types'],
    },
  ),
  'POST /api/v1/lineage/batches': lineageBatch,
  'POST /api/v1/lineage/query': fc.record(
    {
      start: fc.oneof(
        fc.record({ artifacts: selector, executions: selector }, { requiredKeys: [] }),
        hostileJson,
      ),
      maxHops: hostileNumber,
      direction: fc.oneof(fc.constantFrom('upstream', 'downstream', 'both'), hostileString),
      stopAt: fc.oneof(
        fc.record({ artifacts: filterText, executions: filterText }, { requiredKeys: [] }),
        hostileJson,
      ),
      maxNodes: hostileNumber,
    },
    { requiredKeys: ['start'] },
  ),
  'POST /api/v1/:kind/query': nodeQueryBody,
  'POST /api/v1/events/query': fc.record(
    { artifactIds: hostileIds, executionIds: hostileIds },
    { requiredKeys: [] },
  ),
  'POST /api/v1/attributions/query': fc.record(
    { artifactIds: hostileIds, contextIds: hostileIds },
    { requiredKeys: [] },
  ),
  'POST /api/v1/associations/query': fc.record(
    { executionIds: hostileIds, contextIds: hostileIds },
    { requiredKeys: [] },
  ),
  'POST /api/v1/parent-contexts/query': fc.record(
    { childIds: hostileIds, parentIds: hostileIds },
    { requiredKeys: [] },
  ),
  'POST /api/v1/metrics': fc.oneof(
    fc.record({ points: fc.oneof(fc.array(metricPoint, { maxLength: 3 }), hostileJson) }),
    fc.record({ groups: hostileJson }),
    fc.record({
      groups: fc.array(
        fc.record(
          {
            execution: hostileRef,
            key: hostileString,
            steps: hostileJson,
            values: hostileJson,
            wallTimes: hostileJson,
          },
          {
            requiredKeys: [],
          },
        ),
        { maxLength: 2 },
      ),
    }),
  ),
  'POST /api/v1/metrics/query': fc.record(
    {
      execution: hostileRef,
      key: hostileString,
      fromStep: hostileNumber,
      toStep: hostileNumber,
      maxPoints: hostileNumber,
    },
    { requiredKeys: [] },
  ),
  'POST /api/v1/ui/login': fc.record({ token: hostileJson }, { requiredKeys: [] }),
};

const edgeKeys = {
  events: ['artifactIds', 'executionIds'],
  attributions: ['artifactIds', 'contextIds'],
  associations: ['executionIds', 'contextIds'],
  'parent-contexts': ['childIds', 'parentIds'],
};

/** Query keys by route; values come from the hostile text arbitraries. */
const QUERY_KEYS: Record<string, string[]> = {
  'GET /api/v1/types': ['kind'],
  'GET /api/v1/types/lookup': ['kind', 'name', 'version'],
  'GET /api/v1/:kind': [
    'filter',
    'orderBy',
    'descending',
    'limit',
    'pageToken',
    'ids',
    'externalIds',
    'type',
    'name',
    'uri',
  ],
  'GET /api/v1/:kind/lookup': ['id', 'externalId'],
  ...Object.fromEntries(Object.entries(edgeKeys).map(([path, keys]) => [`GET /api/v1/${path}`, keys])),
  'GET /api/v1/metrics/keys': ['executionId', 'executionExternalId'],
  'GET /api/v1/metrics/series': [
    'executionId',
    'executionExternalId',
    'key',
    'fromStep',
    'toStep',
    'maxPoints',
  ],
  'GET /api/v1/ui/runs': ['filter', 'type', 'sort', 'descending', 'limit', 'offset'],
  'GET /api/v1/ui/artifacts/:id': ['depth', 'direction'],
};

const NODE_KINDS = /^\/api\/v1\/(artifacts|executions|contexts)(\/|$)/;
const routeKey = (method: string, url: string) => `${method} ${url.replace(NODE_KINDS, '/api/v1/:kind$2')}`;

const queryValue = fc.oneof(
  hostileIntegerText,
  hostileString,
  filterText,
  fc.constantFrom(
    'true',
    'maybe',
    'artifact',
    'execution',
    'metric:loss',
    'param:x',
    'sort:',
    '1,2,x',
    `1,${2 ** 31}`,
  ),
);

/** A query string over `keys` (plus, sometimes, a key the route does not know), repeated keys included. */
function queryString(keys: string[], forceUnknown: boolean): fc.Arbitrary<string> {
  const known = fc.array(fc.tuple(fc.constantFrom(...(keys.length > 0 ? keys : ['q'])), queryValue), {
    maxLength: 4,
  });
  const unknown = forceUnknown
    ? fc
        .tuple(fc.constantFrom('zz', 'bogus', '__proto__', 'constructor[x]'), queryValue)
        .map((pair) => [pair])
    : fc.constant([] as [string, string][]);
  return fc
    .tuple(known, unknown)
    .map(([a, b]) =>
      [...a, ...b].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
    );
}

/** The route URL with its parameters (`:id`, `:name`, `*`) filled with hostile text. */
function pathFor(url: string): fc.Arbitrary<string> {
  const params = url.match(/:[A-Za-z]+|\*/g) ?? [];
  if (params.length === 0) return fc.constant(url);
  return fc
    .array(fc.oneof(hostileIntegerText, hostileString), {
      minLength: params.length,
      maxLength: params.length,
    })
    .map((values) => {
      let i = 0;
      return url.replace(/:[A-Za-z]+|\*/g, () => encodeURIComponent(values[i++] ?? '') || 'x');
    });
}

/** JSON text, or a raw string for values JSON cannot hold (deep nesting is still written out). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return `{"deep":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
  }
}

/**
 * Requests shaped like `route`'s own, with hostile values: they may even be valid (a 2xx), but
 * must never be a 5xx.
 */
export function hostileRequest(route: { method: string; url: string }): fc.Arbitrary<GeneratedRequest> {
  const key = routeKey(route.method, route.url);
  const query = queryString(QUERY_KEYS[key] ?? [], false);
  const path = pathFor(route.url);
  if (route.method !== 'POST') {
    return fc.tuple(path, query).map(([p, q]) => ({ method: route.method, path: q ? `${p}?${q}` : p }));
  }
  const body = BODIES[key] ?? hostileJson;
  return fc.tuple(path, body).map(([p, b]) => ({ method: 'POST', path: p, body: jsonText(b) }));
}

/** Requests that are wrong by construction: each must get a 4xx. */
export function malformedRequest(route: { method: string; url: string }): fc.Arbitrary<GeneratedRequest> {
  const key = routeKey(route.method, route.url);
  const path = pathFor(route.url);
  if (route.method !== 'POST') {
    return fc.tuple(path, queryString(QUERY_KEYS[key] ?? [], true)).map(([p, q]) => ({
      method: route.method,
      path: `${p}?${q}`,
    }));
  }
  const body = fc.oneof(
    // Not JSON at all, truncated JSON, JSON of the wrong type, or JSON with an unknown field.
    fc.string({ minLength: 1, maxLength: 40 }).map((s) => `{${s}`),
    (BODIES[key] ?? fc.constant({})).map((b) => jsonText(b).slice(0, -1)),
    fc.constantFrom('null', '[]', '42', '"text"', 'true'),
    fc
      .tuple(BODIES[key] ?? fc.constant({}), fc.constantFrom('zz', 'bogus', 'Types', 'points_'), hostileJson)
      .map(([b, k, v]) => jsonText({ ...(b as object), [k]: v })),
  );
  return fc.tuple(path, body).map(([p, b]) => ({ method: 'POST', path: p, body: b }));
}
