/**
 * A missing optional peer dependency (pg, pg-copy-streams, ky) fails with what to install; any
 * other failure while loading it passes through unchanged. The errors here are Node's own, from
 * really importing and requiring a package that is not installed.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isMissingModule, loadOptional } from '../src/optional-module.js';

const ABSENT = 'mlmeta-test-absent-package';
const absentImport = () => import(/* @vite-ignore */ ABSENT);
const absentRequire = async () => createRequire(import.meta.url)(ABSENT);

describe('isMissingModule', () => {
  it.each([
    ['import()', absentImport],
    ['require()', absentRequire],
  ])('recognises Node’s not-found error from %s, for that package only', async (_, load) => {
    const error = await load().catch((e: unknown) => e);
    expect(isMissingModule(error, ABSENT)).toBe(true);
    expect(isMissingModule(error, 'pg')).toBe(false);
  });

  it('is false for errors that are not about a missing module', () => {
    expect(isMissingModule(new Error(`'${ABSENT}' failed to initialise`), ABSENT)).toBe(false);
    expect(isMissingModule(undefined, ABSENT)).toBe(false);
  });
});

describe('loadOptional', () => {
  it('returns the module when it loads', async () => {
    const zod = await loadOptional('ky', () => import('zod'));
    expect(typeof zod.z.object).toBe('function');
  });

  it('says which package to install when the driver itself is missing', async () => {
    const missingPg = Object.assign(new Error("Cannot find package 'pg' imported from /app/core.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadOptional('pg', () => Promise.reject(missingPg))).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('npm install pg pg-copy-streams'),
    });
  });

  it('passes other failures through', async () => {
    await expect(loadOptional('ky', absentImport)).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });
});
