/**
 * Property-based requests (fast-check) to every route the server registers, API and UI, on a
 * SQLite file and on a PostgreSQL schema: hostile values in each route's own shapes never get a
 * 5xx, requests malformed by construction always get a 4xx, every API error has the error
 * shape, and after each route the server is healthy and answers a good request. The number of
 * requests sent is printed (issue 12's closing note quotes it).
 */
import { request } from 'node:http';
import { MLMETA_TYPE_DECLARATIONS } from '@mlmeta/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { makeTokens, startTestServer, type TestTokens } from './helpers.js';
import { type GeneratedRequest, hostileRequest, malformedRequest } from './request-arbitraries.js';

const probe = await probePostgres('property-based requests');
const schema = testSchema('propreq');
afterAll(async () => {
  if (!probe.skip) await schema.drop();
}, 60_000);

const backends: [string, (() => Promise<string>) | undefined][] = [['sqlite', undefined]];
if (!probe.skip) backends.push(['postgres', () => schema.fresh()]);

/** Per route and backend; fast-check's seed is printed on a failure, so it can be replayed. */
const HOSTILE_RUNS = 8;
const MALFORMED_RUNS = 4;
const CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
];

const sent = new Map<string, number>();
afterAll(() => {
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  console.log(
    `property-based requests sent: ${[...sent].map(([k, v]) => `${k} ${v}`).join(', ')}; total ${total}`,
  );
});

interface Answer {
  status: number;
  body: string;
  type: string;
}

/** Raw HTTP, so paths and bodies reach the server exactly as generated. */
function send(base: string, token: string, r: GeneratedRequest): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(r.body !== undefined ? { 'content-type': r.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            type: String(res.headers['content-type'] ?? ''),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

function label(r: GeneratedRequest, a: Answer): string {
  return `${r.method} ${r.path.slice(0, 160)} ${r.body?.slice(0, 160) ?? ''} → ${a.status} ${a.body.slice(0, 300)}`;
}

function expectErrorShape(r: GeneratedRequest, a: Answer): void {
  const body = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } };
  expect(CODES, label(r, a)).toContain(body.error?.code);
  expect(typeof body.error?.message === 'string' && body.error.message.length > 0, label(r, a)).toBe(true);
}

/** Routes that read a query string or a body (logout reads neither): they must refuse what is malformed. */
const takesInput = (route: { method: string; url: string }) =>
  (route.method === 'POST' && route.url !== '/api/v1/ui/logout') ||
  /^\/api\/v1\/(types|artifacts|executions|contexts|events|attributions|associations|parent-contexts|metrics\/|ui\/runs$|ui\/artifacts)/.test(
    route.url,
  );

describe.each(backends)('%s', (backend, storeUri) => {
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let tokens: TestTokens;
  let routes: { method: string; url: string }[];
  beforeAll(async () => {
    tokens = makeTokens();
    running = await startTestServer({
      tokens: tokens.entries,
      ui: true,
      logger: false,
      ...(storeUri ? { store: await storeUri() } : {}),
    });
    // Something to find: a run with a metric, an input dataset and an experiment.
    await running.server.store.putLineage({
      types: [...MLMETA_TYPE_DECLARATIONS],
      executions: [{ type: 'mlmeta.Run', externalId: 'seeded', name: 'seeded', lastKnownState: 'COMPLETE' }],
      artifacts: [{ type: 'mlmeta.Dataset', externalId: 'sha256:seed', uri: 'data.csv' }],
      contexts: [{ type: 'mlmeta.Experiment', name: 'seeds' }],
      events: [
        { artifact: { externalId: 'sha256:seed' }, execution: { externalId: 'seeded' }, type: 'INPUT' },
      ],
      associations: [{ execution: { externalId: 'seeded' }, context: { id: 1 } }],
    });
    await running.server.store.appendMetrics([
      { execution: { externalId: 'seeded' }, key: 'loss', step: 1, value: 0.5, wallTime: 1 },
    ]);
    routes = running.server.routes.filter((r) => r.method === 'GET' || r.method === 'POST');
    expect(routes.length).toBeGreaterThan(30);
  });
  afterAll(() => running?.close());

  const count = () => sent.set(backend, (sent.get(backend) ?? 0) + 1);

  async function stillAlive(): Promise<void> {
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', store: 'ok' });
    const good = await fetch(
      `${running.url}/api/v1/executions?filter=${encodeURIComponent("name = 'seeded'")}`,
      {
        headers: { authorization: `Bearer ${tokens.read}` },
      },
    );
    expect(good.status).toBe(200);
    expect((await good.json()).items.map((e: { externalId: string }) => e.externalId)).toEqual(['seeded']);
  }

  it('hostile values in every route never get a 5xx', { timeout: 300_000 }, async () => {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(hostileRequest(route), async (r) => {
          count();
          const a = await send(running.url, tokens.write, r);
          expect(a.status, label(r, a)).toBeLessThan(500);
          if (a.status >= 400 && r.path.startsWith('/api/')) expectErrorShape(r, a);
        }),
        { numRuns: HOSTILE_RUNS },
      );
      await stillAlive();
    }
  });

  it('requests malformed by construction always get a 4xx in the error shape', {
    timeout: 300_000,
  }, async () => {
    const checked = routes.filter(takesInput);
    expect(checked.length).toBeGreaterThan(20);
    for (const route of checked) {
      await fc.assert(
        fc.asyncProperty(malformedRequest(route), async (r) => {
          count();
          const a = await send(running.url, tokens.write, r);
          expect(a.status, label(r, a)).toBeGreaterThanOrEqual(400);
          expect(a.status, label(r, a)).toBeLessThan(500);
          expectErrorShape(r, a);
        }),
        { numRuns: MALFORMED_RUNS },
      );
      await stillAlive();
    }
  });
});
