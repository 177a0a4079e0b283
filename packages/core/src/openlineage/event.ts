/**
 * The parts of the OpenLineage 2-0-2 RunEvent mlmeta writes and reads, as TypeScript types. The
 * JSON Schemas of the specification are the authority (tests validate every emitted event against
 * them); these types only keep the builder honest.
 */

/**
 * Spec version of the envelope; facets carry their own version in their schema URL.
 *
 * @example
 * const schemaURL = `${OPENLINEAGE_SPEC}#/$defs/RunEvent`;
 */
export const OPENLINEAGE_SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

/**
 * What a RunEvent says about the run's state.
 *
 * @example
 * const type: OpenLineageEventType = 'COMPLETE';
 */
export type OpenLineageEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/**
 * Every facet names who wrote it and the schema it follows; the rest is the facet's own.
 *
 * @example
 * const facet: OpenLineageFacet = { _producer: MLMETA_PRODUCER, _schemaURL: '…', message: 'boom' };
 */
export interface OpenLineageFacet {
  _producer: string;
  _schemaURL: string;
  [field: string]: unknown;
}

/**
 * A dataset as a RunEvent names it: by namespace and name, with facets.
 *
 * @example
 * const data: OpenLineageDataset = { namespace: 'file', name: '/data/iris.csv' };
 */
export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, OpenLineageFacet>;
  inputFacets?: Record<string, OpenLineageFacet>;
  outputFacets?: Record<string, OpenLineageFacet>;
}

/**
 * One OpenLineage RunEvent.
 *
 * @example
 * const event: OpenLineageRunEvent = {
 *   eventType: 'START', eventTime: new Date().toISOString(), producer: MLMETA_PRODUCER,
 *   schemaURL: `${OPENLINEAGE_SPEC}#/$defs/RunEvent`,
 *   run: { runId: '0190…' }, job: { namespace: 'iris', name: 'iris.train' },
 * };
 */
export interface OpenLineageRunEvent {
  eventType?: OpenLineageEventType;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, OpenLineageFacet> };
  job: { namespace: string; name: string; facets?: Record<string, OpenLineageFacet> };
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}

/**
 * The `producer` of every event and facet mlmeta writes.
 *
 * @example
 * event.producer === MLMETA_PRODUCER; // an event mlmeta wrote
 */
export const MLMETA_PRODUCER = 'https://github.com/mlmeta/mlmeta/tree/main/packages/core';
