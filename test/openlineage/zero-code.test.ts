/**
 * OpenLineage from a pipeline with no mlmeta code: examples/pipeline's prepare.mjs and train.mjs
 * under the preload hook, with the file transport. Each script is a job whose inputs and outputs
 * are its files (named by path, so a consumer joins prepare's output to train's input), the fit
 * inside train.mjs is a job of its own that also outputs the saved model folder (sent after the
 * fit ended, as an OTHER event), and mlmeta's own event file is nobody's output. Every event is
 * validated against the official schemas.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForFileRecords } from '@mlmeta/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidEvents, probeSchemas } from './schemas.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const schemas = probeSchemas('zero-code OpenLineage events');

type Dataset = { namespace: string; name: string };
type Event = { eventType: string; job: { name: string }; inputs: Dataset[]; outputs: Dataset[] };

let dir: string;
let events: Event[] = [];

beforeAll(async () => {
  if (schemas.skip) return;
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  dir = mkdtempSync(join(ROOT, 'test-output', 'ol-zero-code-'));
  cpSync(join(ROOT, 'examples/pipeline'), dir, {
    recursive: true,
    filter: (src) => !/[/\\](model|reports|\.mlmeta)$|features\.json$|test\.json$/.test(src),
  });
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('MLMETA_') && !k.startsWith('OPENLINEAGE') && !k.startsWith('VITEST'),
    ),
  );
  const env = {
    ...base,
    NODE_OPTIONS: '--import @mlmeta/node-hooks/register',
    MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
    MLMETA_PIPELINE: 'iris',
    OPENLINEAGE__TRANSPORT__TYPE: 'file',
    OPENLINEAGE__TRANSPORT__LOG_FILE_PATH: join(dir, 'lineage.jsonl'),
  };
  for (const script of ['prepare.mjs', 'train.mjs']) {
    const result = spawnSync(process.execPath, [script], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, `${script}\n${result.stderr}`).toBe(0);
  }
  // Each script's files are recorded (and its events sent) by the detached child it started at exit.
  expect(await waitForFileRecords(join(dir, '.mlmeta', 'spool'), 60_000)).toBe(0);
  events = readFileSync(join(dir, 'lineage.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every dataset a job's events name, by direction, as `namespace name`. */
function datasets(job: string, direction: 'inputs' | 'outputs'): string[] {
  const names = events
    .filter((e) => e.job.name === job)
    .flatMap((e) => e[direction].map((d) => `${d.namespace} ${d.name}`));
  return [...new Set(names)].sort();
}

describe.skipIf(schemas.skip)('OpenLineage from a pipeline with no mlmeta code', () => {
  it('follows the schemas', () => {
    expect(events.length).toBeGreaterThan(0);
    expectValidEvents(events);
  });

  it('makes each script a job whose inputs and outputs are its files, joined by path', () => {
    const file = (path: string) => `file ${join(dir, path)}`;
    expect(datasets('iris.prepare.script', 'inputs')).toEqual([file('data/raw.csv')]);
    expect(datasets('iris.prepare.script', 'outputs')).toEqual([
      file('data/features.json'),
      file('data/test.json'),
    ]);
    expect(datasets('iris.train.script', 'inputs')).toEqual([file('data/features.json')]);
    expect(datasets('iris.train.script', 'outputs')).toEqual([file('model')]);
    for (const job of ['iris.prepare.script', 'iris.train.script'])
      expect(events.filter((e) => e.job.name === job).map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
  });

  it('has the fit output the saved model folder too, in an OTHER event after its COMPLETE', () => {
    const fit = events.filter((e) => e.job.name === 'iris.train');
    expect(fit.map((e) => e.eventType)).toEqual(expect.arrayContaining(['START', 'COMPLETE', 'OTHER']));
    expect(fit.findIndex((e) => e.eventType === 'OTHER')).toBeGreaterThan(
      fit.findIndex((e) => e.eventType === 'COMPLETE'),
    );
    expect(datasets('iris.train', 'outputs')).toContain(`file ${join(dir, 'model')}`);
  });
});
