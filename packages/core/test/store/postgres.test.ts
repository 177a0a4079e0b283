/** The conformance suite against a real PostgreSQL server, in one schema emptied between tests. */
import { openStore } from '@mlmeta/core';
import { afterAll } from 'vitest';
import { defineConformanceSuite } from '../conformance/index.js';
import { probePostgres, testSchema } from '../support/postgres.js';

const probe = await probePostgres('store conformance');
const schema = testSchema('conformance');
afterAll(() => schema.drop(), 60_000);

if (!probe.skip) defineConformanceSuite('postgres', async () => openStore(await schema.fresh()));
