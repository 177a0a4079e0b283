/**
 * The conformance suite through HTTP with the server on real PostgreSQL (one schema, emptied
 * between tests). Skips visibly when PostgreSQL is unreachable, unless MLMETA_REQUIRE_POSTGRES=true.
 */
import { openStore } from '@mlmeta/core';
import { startServer } from '@mlmeta/server';
import { afterAll } from 'vitest';
import { defineConformanceSuite } from '../../packages/core/test/conformance/index.js';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { makeTokens } from './helpers.js';

const probe = await probePostgres('HTTP store conformance (server on PostgreSQL)');
const schema = testSchema('http');
afterAll(() => schema.drop(), 60_000);

if (!probe.skip) {
  defineConformanceSuite('http → server → postgres', async () => {
    const tokens = makeTokens();
    const server = await startServer({
      store: await schema.fresh(),
      tokens: tokens.entries,
      port: 0,
      logger: false,
    });
    const store = await openStore(server.url!, { token: tokens.write });
    const close = store.close.bind(store);
    // The suite closes the stores it opens; closing this one also stops its server and pool.
    store.close = async () => {
      await close();
      await server.close();
    };
    return store;
  });
}
