/**
 * Input validation at the store's edge: zod issues become one INVALID_ARGUMENT error. The schemas
 * load at the first validation, not with the store: a program that only lists nodes
 * (`mlmeta runs`) never loads zod, which is most of the time such a short-lived process spends.
 */
import type { z } from 'zod';
import { MAX_ID } from '../../model/limits.js';
import type { NodeRef } from '../../model/schemas.js';
import { MlmetaError } from '../errors.js';

type Schemas = typeof import('../../model/schemas.js');
let loading: Promise<Schemas> | undefined;

/** The data model's zod schemas, loaded once, at the first call. */
export function inputSchemas(): Promise<Schemas> {
  loading ??= import('../../model/schemas.js');
  return loading;
}

/** Parse `value` with `schema`, or throw an MlmetaError that says where and what was wrong. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new MlmetaError('INVALID_ARGUMENT', `invalid ${what}: ${problems}`);
}

/**
 * A node reference, checked. `{ id }` with a valid id, what readers pass back by the hundred
 * (one getMetricKeys per listed run), passes without loading zod; anything else goes through
 * NodeRefSchema, whose messages say what is wrong.
 */
export async function parseNodeRef(ref: unknown, what: string): Promise<NodeRef> {
  if (typeof ref === 'object' && ref !== null && Object.keys(ref).join() === 'id') {
    const id = (ref as { id: unknown }).id;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_ID) return { id };
  }
  return parseInput((await inputSchemas()).NodeRefSchema, ref, what);
}
