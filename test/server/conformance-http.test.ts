/**
 * The MetadataStore conformance suite through HTTP: HTTP store (client) → mlmeta server → a
 * fresh SQLite file per store. Write tokens on, so auth is exercised on every call.
 */
import { openStore } from '@mlmeta/core';
import { defineConformanceSuite } from '../../packages/core/test/conformance/index.js';
import { makeTokens, startTestServer } from './helpers.js';

defineConformanceSuite('http → server → sqlite', async () => {
  const tokens = makeTokens();
  const running = await startTestServer({ tokens: tokens.entries, logger: false });
  const store = await openStore(running.url, { token: tokens.write });
  const close = store.close.bind(store);
  // The suite closes the stores it opens; closing this one also stops its server.
  store.close = async () => {
    await close();
    await running.close();
  };
  return store;
});
