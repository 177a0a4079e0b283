/**
 * Metrics an MLMD client can see (finding 5 of issue 15): each run's final and best values as
 * execution properties, one Metrics artifact per evaluation, and whole numbers that keep their
 * kind from run to run.
 */
import { type MetadataStore, openStore, startRun } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byExternalId, mlmdDump, tempStoreFile } from './helpers.js';
import { probePython } from './python.js';

const py = probePython('MLMD sees metrics');

describe.skipIf(py.skip)('metrics MLMD clients see (SQLite)', () => {
  let file: string;
  let cleanup: () => void;
  let store: MetadataStore;
  beforeEach(async () => {
    ({ file, cleanup } = tempStoreFile());
    store = await openStore(`sqlite:${file}`);
  });
  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it("a run's final and best metric values are DOUBLE execution properties", async () => {
    const run = startRun({ store, experiment: 'iris', name: 'fit' });
    run.logMetrics({ loss: 1.2, acc: 0.5 }, 0);
    run.logMetrics({ loss: 0.4, acc: 1 }, 1);
    run.logMetrics({ loss: 0.6, acc: 0.75 }, 2);
    await run.end();
    const execution = byExternalId((await mlmdDump({ sqlite: file })).executions, run.id);
    expect(execution.custom_properties).toMatchObject({
      'metric.loss': { DOUBLE: 0.6 },
      'metric.loss.best': { DOUBLE: 0.4 },
      'metric.acc': { DOUBLE: 0.75 },
      'metric.acc.best': { DOUBLE: 1 },
    });
    // The series itself stays in mlmeta's tables.
    expect((await store.getMetrics({ execution: { externalId: run.id }, key: 'loss' })).total).toBe(3);
  });

  it('whole-number custom values keep one kind from run to run', async () => {
    const first = startRun({ store, experiment: 'iris', name: 'a' });
    first.setProperties({ score: 0.5 });
    first.logMetrics({ acc: 1 }, 0);
    await first.end();
    const second = startRun({ store, experiment: 'iris', name: 'b' });
    second.setProperties({ score: 1 });
    second.logMetrics({ acc: 1 }, 0);
    await second.end();
    const dump = await mlmdDump({ sqlite: file });
    for (const run of [first, second]) {
      const props = byExternalId(dump.executions, run.id).custom_properties;
      expect(Object.keys(props.score ?? {})).toEqual(['DOUBLE']);
      expect(props['metric.acc']).toEqual({ DOUBLE: 1 });
    }
  });

  it('an evaluation outputs one mlmd.Metrics artifact with its results', async () => {
    const evaluation = startRun({ store, experiment: 'iris', name: 'eval', type: 'mlmeta.Evaluate' });
    evaluation.logMetrics({ loss: 0.3, acc: 0.9 });
    await evaluation.end();
    const dump = await mlmdDump({ sqlite: file });
    expect(dump.artifact_types.find((t) => t.name === 'mlmeta.Metrics')?.base_type).toBe('METRICS');
    const execution = byExternalId(dump.executions, evaluation.id);
    expect(dump.execution_types.find((t) => t.name === 'mlmeta.Evaluate')?.base_type).toBe('EVALUATE');
    const metrics = dump.artifacts.filter((a) => a.type === 'mlmeta.Metrics');
    expect(metrics).toHaveLength(1);
    expect(metrics[0]!.custom_properties).toEqual({
      'metric.loss': { DOUBLE: 0.3 },
      'metric.acc': { DOUBLE: 0.9 },
    });
    expect(dump.events).toContainEqual({
      artifact_id: metrics[0]!.id,
      execution_id: execution.id,
      type: 'OUTPUT',
      path: [{ key: 'metrics' }],
    });
  });
});
