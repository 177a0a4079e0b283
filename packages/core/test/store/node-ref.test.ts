/**
 * parseNodeRef takes `{ id }` without zod (what readers pass for every listed run): it must accept
 * and refuse exactly what NodeRefSchema does, with the schema's message when it refuses.
 */
import { describe, expect, it } from 'vitest';
import { NodeRefSchema } from '../../src/model/schemas.js';
import { parseInput, parseNodeRef } from '../../src/store/sql/validate.js';

const refs: unknown[] = [
  { id: 1 },
  { id: 2 ** 31 - 1 },
  { id: 0 },
  { id: -3 },
  { id: 1.5 },
  { id: 2 ** 31 },
  { id: Number.NaN },
  { id: '7' },
  { id: 1, externalId: 'x' },
  { id: 1, extra: true },
  Object.assign(Object.create({ id: 4 }), { other: 1 }),
  { externalId: 'run-1' },
  { externalId: '' },
  {},
  null,
  7,
];

const outcome = async (run: () => unknown) => {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('parseNodeRef', () => {
  it.each(refs.map((ref) => [ref]))('%j: what NodeRefSchema says', async (ref) => {
    const expected = await outcome(() => parseInput(NodeRefSchema, ref, 'execution reference'));
    expect(await outcome(() => parseNodeRef(ref, 'execution reference'))).toEqual(expected);
  });
});
