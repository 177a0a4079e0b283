/**
 * PostgreSQL computes a lineage walk in one statement (recursive CTE, replayed in memory);
 * SQLite walks hop by hop. On a lattice with many converging paths and skip connections (so
 * nodes are reachable at several hop counts), both must answer every query identically:
 * first-reached hops, stop filters, maxHops, maxNodes truncation, both directions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type LineageBatch,
  type LineageGraph,
  type LineageQuery,
  type MetadataStore,
  openStore,
} from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPES } from '../conformance/fixtures.js';
import { probePostgres, testSchema } from '../support/postgres.js';

const WIDTH = 12;
const LAYERS = 12;
const artifact = (layer: number, j: number) => `a${layer}.${(j + WIDTH) % WIDTH}`;
const execution = (layer: number, j: number) => `e${layer}.${j}`;

/**
 * Layer 0 holds WIDTH datasets; execution (k, j) reads artifacts (k-1, j) and (k-1, j+1), and
 * (k-3, j+5) when there is such a layer, and writes artifact (k, j) (some events with the other
 * input/output types). Many paths of different lengths lead to each node.
 */
function latticeBatch(): LineageBatch {
  const events: NonNullable<LineageBatch['events']> = [];
  const artifacts: NonNullable<LineageBatch['artifacts']> = [];
  const executions: NonNullable<LineageBatch['executions']> = [];
  for (let j = 0; j < WIDTH; j++) {
    artifacts.push({ type: 'test.Dataset', externalId: artifact(0, j), properties: { rows: 0 } });
  }
  for (let k = 1; k <= LAYERS; k++) {
    for (let j = 0; j < WIDTH; j++) {
      executions.push({ type: 'test.Train', externalId: execution(k, j), properties: { epochs: k } });
      artifacts.push({ type: 'test.Dataset', externalId: artifact(k, j), properties: { rows: k } });
      const inputs = [artifact(k - 1, j), artifact(k - 1, j + 1)];
      if (k >= 3) inputs.push(artifact(k - 3, j + 5));
      for (const [n, input] of inputs.entries()) {
        events.push({
          artifact: { externalId: input },
          execution: { externalId: execution(k, j) },
          type: n === 2 ? 'DECLARED_INPUT' : 'INPUT',
        });
      }
      events.push({
        artifact: { externalId: artifact(k, j) },
        execution: { externalId: execution(k, j) },
        type: (k + j) % 4 === 0 ? 'INTERNAL_OUTPUT' : 'OUTPUT',
      });
    }
  }
  return { types: TYPES, artifacts, executions, events };
}

/** A graph by external ids (row ids may differ between backends), sorted. */
function normalize(graph: LineageGraph) {
  const artifactIds = new Map(graph.artifacts.map((a) => [a.id, String(a.externalId)]));
  const executionIds = new Map(graph.executions.map((e) => [e.id, String(e.externalId)]));
  return {
    artifacts: [...artifactIds.values()].sort(),
    executions: [...executionIds.values()].sort(),
    events: graph.events
      .map((e) => `${artifactIds.get(e.artifactId)}|${executionIds.get(e.executionId)}|${e.type}`)
      .sort(),
    truncated: graph.truncated,
  };
}

const QUERIES: Record<string, LineageQuery> = {
  'upstream from a last-layer model': {
    start: { artifacts: { externalIds: [artifact(LAYERS, 0)] } },
    direction: 'upstream',
  },
  'downstream from a dataset': {
    start: { artifacts: { externalIds: [artifact(0, 3)] } },
    direction: 'downstream',
  },
  'both ways from a middle artifact': { start: { artifacts: { externalIds: [artifact(6, 2)] } } },
  'both ways from executions and an artifact, 5 hops': {
    start: {
      artifacts: { externalIds: [artifact(4, 9)] },
      executions: { externalIds: [execution(8, 1), execution(2, 7)] },
    },
    maxHops: 5,
  },
  'stop filters on both kinds': {
    start: { artifacts: { externalIds: [artifact(LAYERS, 4)] } },
    direction: 'upstream',
    stopAt: { artifacts: 'properties.rows = 8', executions: 'properties.epochs = 5' },
  },
  'a start node matching the stop filter is still expanded': {
    start: { executions: { externalIds: [execution(6, 6)] } },
    stopAt: { executions: 'properties.epochs = 6 OR properties.epochs = 2' },
  },
  'maxNodes cuts a both-ways walk (prefetched)': {
    start: { artifacts: { externalIds: [artifact(6, 2)] } },
    maxNodes: 60,
  },
  'maxNodes far below the reach (hop-by-hop fallback)': {
    start: { artifacts: { externalIds: [artifact(LAYERS, 0)] } },
    direction: 'upstream',
    maxNodes: 4,
  },
  'maxNodes cuts an upstream walk mid-hop (discovery order matters)': {
    start: { artifacts: { externalIds: [artifact(LAYERS, 0), artifact(LAYERS, 5)] } },
    direction: 'upstream',
    maxNodes: 23,
  },
  'maxNodes cuts a both-ways walk from executions mid-hop': {
    start: { executions: { externalIds: [execution(7, 3), execution(9, 10)] } },
    maxNodes: 31,
  },
  'a filter as start selector': {
    start: { artifacts: { filter: 'properties.rows = 3' } },
    direction: 'downstream',
    maxHops: 4,
  },
};

const probe = await probePostgres('lineage walk parity');
const schema = testSchema('lineage');
const dir = mkdtempSync(join(tmpdir(), 'mlmeta-lineage-'));

describe.skipIf(probe.skip)('lineage on PostgreSQL (one statement) equals SQLite (per hop)', () => {
  let postgres: MetadataStore;
  let sqlite: MetadataStore;
  beforeAll(async () => {
    postgres = await openStore(await schema.fresh());
    sqlite = await openStore(`sqlite:${join(dir, 'lineage.db')}`);
    const batch = latticeBatch();
    await postgres.putLineage(batch);
    await sqlite.putLineage(batch);
  }, 60_000);
  afterAll(async () => {
    await postgres?.close();
    await sqlite?.close();
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  for (const [name, query] of Object.entries(QUERIES)) {
    it(name, async () => {
      const expected = normalize(await sqlite.getLineage(query));
      const actual = normalize(await postgres.getLineage(query));
      expect(actual).toEqual(expected);
      expect(expected.artifacts.length + expected.executions.length).toBeGreaterThan(1);
    });
  }

  it('keeps the same nodes as SQLite wherever maxNodes cuts a walk (discovery order within a hop)', async () => {
    const differ: string[] = [];
    const starts = [
      [artifact(LAYERS, 0), artifact(LAYERS, 5)],
      [artifact(6, 2)],
      [artifact(0, 1), artifact(0, 7)],
    ];
    for (const direction of ['upstream', 'downstream', 'both'] as const) {
      for (const externalIds of starts) {
        for (let maxNodes = 3; maxNodes < 80; maxNodes += 5) {
          const query: LineageQuery = { start: { artifacts: { externalIds } }, direction, maxNodes };
          const expected = JSON.stringify(normalize(await sqlite.getLineage(query)));
          if (JSON.stringify(normalize(await postgres.getLineage(query))) !== expected) {
            differ.push(`${direction} from ${externalIds.join('+')}, maxNodes ${maxNodes}`);
          }
        }
      }
    }
    expect(differ).toEqual([]);
  }, 120_000);

  it('answers the lattice as expected (not merely the same wrong answer twice)', async () => {
    const upstream = normalize(
      await postgres.getLineage({
        start: { artifacts: { externalIds: ['a12.0'] } },
        direction: 'upstream',
        maxHops: 4,
      }),
    );
    // Hop 1: e12.0; hop 2: its inputs; hop 3: their writers; hop 4: their inputs (skips included).
    expect(upstream.executions).toEqual(['e11.0', 'e11.1', 'e12.0', 'e9.5']);
    expect(upstream.artifacts).toEqual(
      ['a10.0', 'a10.1', 'a10.2', 'a11.0', 'a11.1', 'a12.0', 'a6.10', 'a8.5', 'a8.6', 'a9.5'].sort(),
    );
    expect(upstream.truncated).toBe(false);
    const stopped = normalize(await postgres.getLineage(QUERIES['stop filters on both kinds']!));
    // Layer-8 artifacts are included but not expanded, so no layer-8 execution is reached through them.
    expect(stopped.artifacts.some((a) => a.startsWith('a8.'))).toBe(true);
    expect(stopped.executions.some((e) => e.startsWith('e8.'))).toBe(false);
    const cut = normalize(
      await postgres.getLineage(QUERIES['maxNodes far below the reach (hop-by-hop fallback)']!),
    );
    expect(cut.artifacts.length + cut.executions.length).toBe(4);
    expect(cut.truncated).toBe(true);
  });
});
