/**
 * The conformance suite every `MetadataStore` backend runs (SQLite, PostgreSQL, HTTP):
 *
 * @example
 * defineConformanceSuite('sqlite', () => openStore(`sqlite:${tempFile()}`));
 */
import type { MetadataStore } from '@mlmeta/core';
import { describe } from 'vitest';
import { defineFilterTests } from './filters.js';
import { defineLineageTests } from './lineage.js';
import { defineMetricTests } from './metrics.js';
import { defineModelVersionTests } from './model-versions.js';
import { defineReadTests } from './reads.js';
import { defineWriteTests } from './writes.js';

export function defineConformanceSuite(label: string, openFresh: () => Promise<MetadataStore>): void {
  describe(`MetadataStore conformance: ${label}`, () => {
    // One describe each, so each part's beforeEach opens (and fills) a store for its own tests
    // only, rather than every test opening five stores.
    describe('writes', () => defineWriteTests(openFresh));
    describe('reads', () => defineReadTests(openFresh));
    describe('filters', () => defineFilterTests(openFresh));
    describe('lineage', () => defineLineageTests(openFresh));
    describe('metrics', () => defineMetricTests(openFresh));
    describe('model versions', () => defineModelVersionTests(openFresh));
  });
}
