/**
 * Over a thousand malformed requests (garbled JSON, wrong types, oversized bodies, bad query
 * strings, unknown routes, wrong methods, wrong content types): every answer is a 4xx with the
 * API's JSON error shape, and the server is healthy afterwards.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTokens, startTestServer, type TestTokens } from './helpers.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
}

/** Raw HTTP, so that bodies and paths reach the server exactly as generated (fetch would normalize them). */
function send(base: string, token: string, c: Case): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: c.method,
        path: c.path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

const BODY_LIMIT = 64 * 1024;

function cases(routes: readonly { method: string; url: string }[]): Case[] {
  const random = prng(20240611);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const posts = routes.filter((r) => r.method === 'POST').map((r) => r.url);
  const gets = routes.filter((r) => r.method === 'GET' && r.url !== '/healthz').map((r) => r.url);
  const garbage = () =>
    Array.from({ length: 1 + Math.floor(random() * 60) }, () =>
      String.fromCharCode(Math.floor(random() * 128)),
    ).join('');
  const wrongValues: unknown[] = [
    null,
    42,
    'text',
    true,
    [],
    [1, 2],
    { types: 'nope' },
    { points: [{ execution: { id: -1 }, key: '', step: 1.5, value: 'x', wallTime: null }] },
    { points: [{ execution: { externalId: 'missing' }, key: 'k', step: 0, value: 1, wallTime: 1 }] },
    { points: 'many' },
    { artifacts: [{ type: 7 }] },
    { executions: [{ type: 'x', lastKnownState: 'SLEEPING' }] },
    { start: {}, maxHops: -3 },
    { start: { artifacts: { filter: 'name = ' } } },
    { start: { artifacts: { ids: ['a'] } }, direction: 'sideways' },
    { execution: { id: 1 }, key: 'loss', maxPoints: 1 },
    { ids: [0], limit: 100_000 },
    { filter: "properties.x >>> 'y'" },
    { pageToken: 'not-a-token' },
    { artifactIds: 'all' },
    { unexpected: 1 },
    { value: { $float: 'Nope' } },
    { $literal: ['other', 1] },
    JSON.parse('{"__proto__":{"admin":true}}'),
  ];
  const badQueries = [
    'limit=abc',
    'limit=1&limit=2',
    'ids=1,x,3',
    'ids=-4',
    'descending=maybe',
    'orderBy=random',
    'kind=thing',
    'id=1&externalId=x',
    'executionId=1&executionExternalId=x',
    'executionId=abc',
    'key=',
    'filter=name%20%3D',
    'filter=%ZZ%zz',
    'pageToken=%00%01',
    'bogus=1',
    'maxPoints=1',
    'fromStep=1e999',
    'limit=99999999999999999999',
  ];
  const list: Case[] = [];
  for (let i = 0; i < 300; i++) list.push({ method: 'POST', path: pick(posts), body: garbage() });
  for (let i = 0; i < 300; i++)
    list.push({ method: 'POST', path: pick(posts), body: JSON.stringify(pick(wrongValues)) });
  for (let i = 0; i < 200; i++) list.push({ method: 'GET', path: `${pick(gets)}?${pick(badQueries)}` });
  for (let i = 0; i < 80; i++) {
    list.push({
      method: pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']),
      path: `/api/v1/${garbage().replace(/[^a-z/]/g, '')}x`,
    });
  }
  for (let i = 0; i < 60; i++)
    list.push({ method: pick(['PUT', 'DELETE', 'PATCH']), path: pick([...posts, ...gets]) });
  for (let i = 0; i < 40; i++) {
    list.push({
      method: 'POST',
      path: pick(posts),
      body: 'a=1&b=2',
      contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'image/png']),
    });
  }
  for (let i = 0; i < 20; i++) {
    const size = BODY_LIMIT + 1 + Math.floor(random() * BODY_LIMIT);
    list.push({ method: 'POST', path: pick(posts), body: `{"points":[${'1,'.repeat(size / 2)}1]}` });
  }
  for (let i = 0; i < 20; i++) list.push({ method: 'POST', path: pick(posts), body: '' });
  return list;
}

describe('malformed requests', () => {
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let tokens: TestTokens;
  beforeAll(async () => {
    tokens = makeTokens();
    running = await startTestServer({ tokens: tokens.entries, bodyLimit: BODY_LIMIT });
  });
  afterAll(() => running.close());

  it('get only 4xx JSON errors, and the server stays healthy', async () => {
    const all = cases(running.server.routes);
    expect(all.length).toBeGreaterThanOrEqual(1000);
    const statuses = new Map<number, number>();
    for (let i = 0; i < all.length; i += 8) {
      const batch = all.slice(i, i + 8);
      const answers = await Promise.all(batch.map((c) => send(running.url, tokens.write, c)));
      answers.forEach((answer, j) => {
        const c = batch[j]!;
        const label = `${c.method} ${c.path.slice(0, 80)} ${String(c.body ?? '').slice(0, 80)} → ${answer.body.slice(0, 200)}`;
        expect(answer.status, label).toBeGreaterThanOrEqual(400);
        expect(answer.status, label).toBeLessThan(500);
        const body = JSON.parse(answer.body);
        expect(typeof body.error.code, label).toBe('string');
        expect(body.error.message.length, label).toBeGreaterThan(0);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      });
    }
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 404, 413, 415]));
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
