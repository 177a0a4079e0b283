/**
 * The MetadataStore conformance suite through HTTP on PostgreSQL: HTTP store (client) → mlmeta
 * server → one PostgreSQL schema for this file, emptied before each store is opened. Skips
 * visibly when the server is unreachable (unless MLMETA_REQUIRE_POSTGRES=true).
 */
import { openStore } from '@mlmeta/core';
import { afterAll } from 'vitest';
import { defineConformanceSuite } from '../../packages/core/test/conformance/index.js';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { makeTokens, startTestServer } from './helpers.js';

const probe = await probePostgres('HTTP conformance');
const schema = testSchema('http');
afterAll(() => schema.drop(), 60_000);

if (!probe.skip) {
  defineConformanceSuite('http → server → postgres', async () => {
    const tokens = makeTokens();
    const running = await startTestServer({
      store: await schema.fresh(),
      tokens: tokens.entries,
      logger: false,
    });
    const store = await openStore(running.url, { token: tokens.write });
    const close = store.close.bind(store);
    // The suite closes the stores it opens; closing this one also stops its server.
    store.close = async () => {
      await close();
      await running.close();
    };
    return store;
  });
}
