/**
 * Lazily built schemas (src/zod.ts) behave as the schemas they stand for: parsing, composition
 * into other schemas (zod's own and mlmeta's), spreading an object of schemas, `instanceof`.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MetricPointSchema, NodeRefSchema } from '../src/model/schemas.js';
import { lazySchema, zod } from '../src/zod.js';

describe('lazySchema', () => {
  it('builds once, at the first use', () => {
    let built = 0;
    const Port = lazySchema(() => {
      built++;
      return zod.number().int().positive();
    });
    expect(built).toBe(0);
    expect(Port.parse(8080)).toBe(8080);
    expect(Port.safeParse(-1).success).toBe(false);
    expect(built).toBe(1);
  });

  it('composes into schemas of the zod a caller imports, and is one of them', () => {
    const Body = z.object({ ref: NodeRefSchema, points: z.array(MetricPointSchema) }).strict();
    const point = {
      execution: { externalId: 'r' },
      key: 'loss',
      step: 2 ** 53 - 1,
      value: Number.NaN,
      wallTime: 1,
    };
    const parsed = Body.parse({ ref: { id: 3 }, points: [point] });
    expect(parsed.points[0]).toEqual(point);
    expect(Body.safeParse({ ref: { id: -1 }, points: [] }).success).toBe(false);
    expect(MetricPointSchema instanceof z.ZodType).toBe(true);
  });

  it('spreads, and answers `in`, as the object it builds', () => {
    const fields = lazySchema(() => ({ name: zod.string(), size: zod.number() }));
    expect('name' in fields).toBe(true);
    const Record = zod.object({ ...fields, extra: zod.boolean() }).strict();
    expect(Record.parse({ name: 'a', size: 1, extra: true })).toEqual({ name: 'a', size: 1, extra: true });
    expect(Object.keys(fields)).toEqual(['name', 'size']);
  });
});
