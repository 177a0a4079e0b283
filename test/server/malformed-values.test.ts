/**
 * Issue 12, finding 5 over HTTP, on a SQLite file and on a PostgreSQL schema: ids beyond 2^31,
 * filter literals beyond int64, too many contexts_ aliases, values nested thousands deep and
 * `__proto__` keys (also spelled `\u005f_proto__`) get a 4xx in the API's error shape; the
 * server answers a good request afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { makeTokens, startTestServer, type TestTokens } from './helpers.js';

const probe = await probePostgres('malformed values over HTTP');
const schema = testSchema('malvalues');
afterAll(async () => {
  if (!probe.skip) await schema.drop();
}, 60_000);

const backends: [string, (() => Promise<string>) | undefined][] = [['sqlite', undefined]];
if (!probe.skip) backends.push(['postgres', () => schema.fresh()]);

const BIG = 2 ** 31;
const q = encodeURIComponent;
const aliases = (n: number) => Array.from({ length: n }, (_, i) => `contexts_c${i}.name = 'x'`).join(' AND ');

/** A lineage batch body with `properties` spliced in as raw JSON text (escapes and depth kept). */
const batchWith = (externalId: string, customProperties: string) =>
  `{"types":[{"kind":"execution","name":"t.Run"}],"executions":[{"type":"t.Run","externalId":"${externalId}","customProperties":${customProperties}}]}`;

interface Case {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** What the error message must say. */
  says?: RegExp;
}

const cases: Case[] = [
  { method: 'GET', path: `/api/v1/executions/lookup?id=${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/artifacts?ids=1,${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/events?executionIds=${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/attributions?contextIds=${BIG * 4}`, says: /2147483647/ },
  { method: 'POST', path: '/api/v1/events/query', body: `{"artifactIds":[${BIG}]}`, says: /2147483647/ },
  { method: 'POST', path: '/api/v1/contexts/query', body: `{"ids":[${BIG}]}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/metrics/keys?executionId=${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/metrics/series?executionId=${BIG}&key=loss`, says: /2147483647/ },
  {
    method: 'POST',
    path: '/api/v1/metrics/query',
    body: `{"execution":{"id":${BIG}},"key":"loss"}`,
    says: /2147483647/,
  },
  {
    method: 'POST',
    path: '/api/v1/metrics',
    body: `{"points":[{"execution":{"id":${BIG}},"key":"loss","step":1,"value":1,"wallTime":1}]}`,
  },
  {
    method: 'POST',
    path: '/api/v1/lineage/query',
    body: `{"start":{"executions":{"ids":[${BIG}]}}}`,
    says: /2147483647/,
  },
  { method: 'GET', path: `/api/v1/ui/runs/${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/ui/artifacts/${BIG}`, says: /2147483647/ },
  { method: 'GET', path: `/api/v1/ui/runs/99999999999999999999` },
  { method: 'GET', path: `/api/v1/executions?filter=${q('id = 99999999999999999999')}`, says: /64-bit/ },
  {
    method: 'GET',
    path: `/api/v1/artifacts?filter=${q('custom_properties.n > 9223372036854775808')}`,
    says: /64-bit/,
  },
  { method: 'GET', path: `/api/v1/ui/runs?filter=${q('id IN (1, -9223372036854775809)')}`, says: /64-bit/ },
  { method: 'GET', path: `/api/v1/executions?filter=${q(aliases(40))}`, says: /at most 32/ },
  {
    method: 'POST',
    path: '/api/v1/lineage/query',
    body: JSON.stringify({ start: { artifacts: { filter: aliases(33) } } }),
    says: /at most 32/,
  },
  {
    method: 'POST',
    path: '/api/v1/lineage/batches',
    body: batchWith('deep', `{"d":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`),
    says: /64 levels/,
  },
  {
    method: 'POST',
    path: '/api/v1/lineage/batches',
    body: batchWith('deeper', `{"d":${'['.repeat(200_000)}${']'.repeat(200_000)}}`),
  },
  {
    method: 'POST',
    path: '/api/v1/lineage/batches',
    body: batchWith('proto', '{"\\u005f_proto__":{"admin":true}}'),
    says: /__proto__/,
  },
  {
    method: 'POST',
    path: '/api/v1/lineage/batches',
    body: batchWith('proto2', '{"cfg":{"_\\u005fproto__":1}}'),
    says: /__proto__/,
  },
];

describe.each(backends)('%s', (_name, storeUri) => {
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let tokens: TestTokens;
  beforeAll(async () => {
    tokens = makeTokens();
    running = await startTestServer({
      tokens: tokens.entries,
      ui: true,
      logger: false,
      ...(storeUri ? { store: await storeUri() } : {}),
    });
  });
  afterAll(() => running?.close());

  const send = (c: Case) =>
    fetch(`${running.url}${c.path}`, {
      method: c.method,
      headers: {
        authorization: `Bearer ${tokens.write}`,
        ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: c.body,
    });

  it.each(cases.map((c) => [`${c.method} ${c.path.slice(0, 70)} ${c.body?.slice(0, 50) ?? ''}`, c]))(
    '%s → 4xx with the error shape',
    async (_label, c) => {
      const answer = await send(c as Case);
      const text = await answer.text();
      expect(answer.status, text).toBeGreaterThanOrEqual(400);
      expect(answer.status, text).toBeLessThan(500);
      const body = JSON.parse(text);
      expect(body.error.code).toBe('INVALID_ARGUMENT');
      if ((c as Case).says) expect(body.error.message).toMatch((c as Case).says!);
    },
  );

  it('a NUL character in a name or filter (PostgreSQL refuses it in any text) is a 4xx or no match, never a 5xx', async () => {
    for (const path of [
      '/api/v1/contexts?name=%00',
      '/api/v1/executions?name=a%00b',
      '/api/v1/artifacts?uri=%00',
    ]) {
      const answer = await send({ method: 'GET', path });
      const text = await answer.text();
      expect(answer.status, `${path}: ${text}`).toBeLessThan(500);
      if (answer.status >= 400) expect(JSON.parse(text).error.code, text).toBe('INVALID_ARGUMENT');
    }
  });

  it('keeps constructor and prototype keys, matches nothing for an id filter beyond 2^31, and stays healthy', async () => {
    const kept = '{"constructor":"c","prototype":{"constructor":[1],"toString":2}}';
    const put = await send({
      method: 'POST',
      path: '/api/v1/lineage/batches',
      body: batchWith('kept', kept),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const lookup = await send({ method: 'GET', path: '/api/v1/executions/lookup?externalId=kept' });
    expect((await lookup.json()).node.customProperties).toEqual(JSON.parse(kept));
    const none = await send({ method: 'GET', path: `/api/v1/executions?filter=${q('id >= 3000000000')}` });
    expect(none.status).toBe(200);
    expect((await none.json()).items).toEqual([]);
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok' });
  });
});
