/**
 * Graceful shutdown: an in-flight putLineage finishes and is stored; new connections are
 * refused; the real bin exits 0 on SIGTERM and SIGINT with its SQLite file intact.
 */
import { join } from 'node:path';
import { openStore } from '@mlmeta/core';
import { createServer } from '@mlmeta/server';
import { describe, expect, it } from 'vitest';
import { freePort, spawnServer } from './child-server.js';
import { tempDir } from './helpers.js';

const batch = (n: number) => ({
  types: [{ kind: 'artifact' as const, name: 'drain.Dataset' }],
  artifacts: Array.from({ length: n }, (_, i) => ({ type: 'drain.Dataset', externalId: `ds-${i}` })),
});

describe('graceful shutdown', () => {
  it('drains an in-flight putLineage before closing the store', async () => {
    const { dir, cleanup } = tempDir();
    const dbUri = `sqlite:${join(dir, 'mlmeta.db')}`;
    try {
      const server = await createServer({ store: dbUri, port: 0, logger: false });
      let arrived!: () => void;
      const inFlight = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      // Hold the write in the handler long enough that close() surely starts while it runs.
      server.app.addHook('preHandler', async (request) => {
        if (request.routeOptions.url === '/api/v1/lineage/batches') {
          arrived();
          await new Promise((r) => setTimeout(r, 300));
        }
      });
      const url = await server.listen();
      const client = await openStore(url, {});
      const write = client.putLineage(batch(2_000));
      await inFlight;
      const closed = server.close();
      const result = await write;
      await closed;
      expect(result.artifactIds).toHaveLength(2_000);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      const reopened = await openStore(dbUri);
      expect((await reopened.getArtifacts({ type: 'drain.Dataset', limit: 10_000 })).items).toHaveLength(
        2_000,
      );
      await reopened.close();
    } finally {
      cleanup();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`the bin exits 0 on ${signal} after its writes`, async () => {
      const { dir, cleanup } = tempDir();
      const dbUri = `sqlite:${join(dir, 'mlmeta.db')}`;
      try {
        const port = await freePort();
        const server = await spawnServer(['--store', dbUri, '--port', String(port)]);
        const client = await openStore(`http://127.0.0.1:${port}`);
        await client.putLineage(batch(10));
        server.child.kill(signal);
        expect(await server.exited).toEqual({ code: 0, signal: null });
        expect(server.stderr()).toContain('draining in-flight requests');
        const reopened = await openStore(dbUri);
        expect((await reopened.getArtifacts({ type: 'drain.Dataset' })).items).toHaveLength(10);
        await reopened.close();
      } finally {
        cleanup();
      }
    });
  }
});
