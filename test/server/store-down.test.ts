/**
 * The database behind the server goes away (a TCP relay in front of the real PostgreSQL stands
 * in for the outage): /healthz and the API answer 503 with a message, the HTTP store retries
 * 503s and succeeds once the database is back, or gives up with UNAVAILABLE after its budget.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { openHttpStore } from '@mlmeta/core';
import { startServer } from '@mlmeta/server';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';

const probe = await probePostgres('server with its store down');
const schema = testSchema('down');
afterAll(() => schema.drop(), 60_000);

describe.skipIf(probe.skip)('the store down behind the server', () => {
  it('answers 503, and the HTTP store retries until the store is back', async () => {
    const target = new URL(POSTGRES_URL);
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    const listen = (port: number) => new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    const cut = () =>
      new Promise((resolve) => {
        relay.close(resolve);
        for (const s of sockets) s.destroy();
      });
    await listen(0);
    const port = (relay.address() as AddressInfo).port;
    const relayed = new URL(await schema.fresh());
    relayed.host = `127.0.0.1:${port}`;
    const server = await startServer({ store: relayed.toString(), port: 0, logger: false });
    try {
      const store = await openHttpStore(server.url!, { retry: { maxElapsedMs: 20_000, maxDelayMs: 300 } });
      await store.putTypes([{ kind: 'artifact', name: 'down.Dataset' }]);

      await cut();
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      expect((await health.json()).error.message).toMatch(/store is unreachable/);
      const direct = await fetch(`${server.url}/api/v1/types`);
      expect(direct.status).toBe(503);
      expect((await direct.json()).error).toMatchObject({ code: 'UNAVAILABLE' });

      const impatient = await openHttpStore(server.url!, { retry: { maxElapsedMs: 300 } });
      await expect(impatient.getTypes()).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      const write = store.putLineage({ artifacts: [{ type: 'down.Dataset', externalId: 'ds-1' }] });
      await new Promise((r) => setTimeout(r, 1_000));
      await listen(port);
      expect((await write).artifactIds).toHaveLength(1);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const stored = await store.getArtifacts({ type: 'down.Dataset' });
      expect(stored.items.map((a) => a.externalId)).toEqual(['ds-1']);
    } finally {
      await server.close();
      await cut();
    }
  });
});
