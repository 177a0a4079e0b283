/** Input validation at the store's edge: zod issues become one INVALID_ARGUMENT error. */
import type { z } from 'zod';
import { MlmetaError } from '../errors.js';

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
