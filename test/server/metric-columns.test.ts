/**
 * The columnar metrics body: grouping and splitting on the client, the codec's NaN path, the
 * server's validation of `{ groups }`, and an appendMetrics call split over concurrent requests
 * that still lets the last point of a step win.
 */
import {
  decodeWireJson,
  encodeMetricColumns,
  type MetricPoint,
  metricPointsFromColumns,
  openHttpStore,
  splitMetricColumns,
  toMetricColumns,
} from '@mlmeta/core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTokens, startTestServer } from './helpers.js';

const point = (step: number, value: number, key = 'loss'): MetricPoint => ({
  execution: { externalId: 'run' },
  key,
  step,
  value,
  wallTime: 1_000 + step,
});

describe('metric columns', () => {
  it('group by execution and key, keeping the last point of a repeated step', () => {
    const groups = toMetricColumns([point(0, 1), point(0, 5, 'acc'), point(1, 2), point(0, 3), point(2, 4)]);
    expect(groups).toEqual([
      {
        execution: { externalId: 'run' },
        key: 'loss',
        steps: [1, 0, 2],
        values: [2, 3, 4],
        wallTimes: [1001, 1000, 1002],
      },
      { execution: { externalId: 'run' }, key: 'acc', steps: [0], values: [5], wallTimes: [1000] },
    ]);
  });

  it('refuse malformed points, which then travel as rows', () => {
    expect(toMetricColumns([point(0, 1), { ...point(1, 1), step: 1.5 }])).toBeUndefined();
    expect(toMetricColumns([{ ...point(0, 1), extra: 1 } as MetricPoint])).toBeUndefined();
    expect(toMetricColumns([{ ...point(0, 1), execution: { id: 1, externalId: 'x' } }])).toBeUndefined();
    expect(toMetricColumns([{ ...point(0, 1), key: '' }])).toBeUndefined();
  });

  it('split into bodies of a bounded size and round-trip NaN and ±Infinity', () => {
    const points = Array.from({ length: 25 }, (_, i) => point(i, i === 3 ? Number.NaN : i));
    points.push(point(0, Number.NEGATIVE_INFINITY, 'acc'));
    const bodies = splitMetricColumns(toMetricColumns(points)!, 10);
    expect(bodies.map((b) => b.reduce((n, g) => n + g.steps.length, 0))).toEqual([10, 10, 6]);
    const back = bodies.flatMap((b) => metricPointsFromColumns(decodeWireJson(encodeMetricColumns(b))));
    expect(back).toHaveLength(26);
    expect(back[3]!.value).toBeNaN();
    expect(back.at(-1)).toEqual(point(0, Number.NEGATIVE_INFINITY, 'acc'));
    expect(back.slice(4, 25)).toEqual(points.slice(4, 25));
  });

  it('finite groups are encoded without markers', () => {
    expect(encodeMetricColumns(toMetricColumns([point(0, 0.5)])!)).toBe(
      '{"groups":[{"execution":{"externalId":"run"},"key":"loss","steps":[0],"values":[0.5],"wallTimes":[1000]}]}',
    );
  });
});

describe('POST /api/v1/metrics with columns', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('a call split over concurrent requests stores every step once, the last value winning', async () => {
    const { url, close } = await startTestServer();
    closers.push(close);
    const store = await openHttpStore(url, { metricsBatchSize: 1_000, metricsInFlight: 2 });
    await store.putLineage({
      types: [{ kind: 'execution', name: 'columns.Train' }],
      executions: [{ type: 'columns.Train', externalId: 'run' }],
    });
    const points = Array.from({ length: 6_000 }, (_, i) => point(i, i));
    // Step 10 again at the very end: in row order it would be written last, so it must win.
    points.push(point(10, -1));
    await store.appendMetrics(points);
    const keys = await store.getMetricKeys({ externalId: 'run' });
    expect(keys).toEqual([{ key: 'loss', count: 6_000, minStep: 0, maxStep: 5_999, lastValue: 5_999 }]);
    const series = await store.getMetrics({ execution: { externalId: 'run' }, key: 'loss', toStep: 11 });
    expect(series.points.map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, 11]);
    await store.close();
  });

  it('malformed column bodies get 400 with a message; the row form still works', async () => {
    const tokens = makeTokens();
    const { url, close } = await startTestServer({ tokens: tokens.entries });
    closers.push(close);
    const post = (body: unknown) =>
      fetch(`${url}/api/v1/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.write}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const group = { execution: { externalId: 'run' }, key: 'loss', steps: [0], values: [1], wallTimes: [1] };
    const bad = [
      { groups: 'x' },
      { groups: [{ ...group, steps: 'x' }] },
      { groups: [{ ...group, values: [1, 2] }] },
      { groups: [{ ...group, extra: 1 }] },
      { groups: [group], points: [] },
      { groups: [{ ...group, steps: [0.5] }] },
    ];
    for (const body of bad) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe('INVALID_ARGUMENT');
      expect(answer.error.message.length).toBeGreaterThan(10);
    }
    const store = await openHttpStore(url, { token: tokens.write });
    await store.putLineage({
      types: [{ kind: 'execution', name: 'columns.Train' }],
      executions: [{ type: 'columns.Train', externalId: 'run' }],
    });
    expect((await post({ groups: [group] })).status).toBe(204);
    expect((await post({ points: [point(1, 2)] })).status).toBe(204);
    expect((await store.getMetricKeys({ externalId: 'run' }))[0]).toMatchObject({ count: 2, lastValue: 2 });
    await store.close();
  });
});
