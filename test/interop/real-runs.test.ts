/**
 * MLMD reads what a real TensorFlow.js training run records (params, environment, hardware,
 * datasets with statistics, the model, metrics), every node and property.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mlmdDump, tempStoreFile } from './helpers.js';
import { probePython } from './python.js';

const py = probePython('MLMD reads a real tfjs run');
const FIT = fileURLToPath(new URL('./fixtures/fit.mjs', import.meta.url));

describe.skipIf(py.skip)('MLMD reads a real tfjs fit', () => {
  let file: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ file, cleanup } = tempStoreFile());
  });
  afterEach(() => cleanup());

  it('every artifact, execution and context of a fit, with its metrics', async () => {
    await promisify(execFile)(process.execPath, [FIT], {
      cwd: dirname(file),
      env: { ...process.env, MLMETA_STORE: `sqlite:${file}`, MLMETA_SPOOL_DIR: join(dirname(file), 'spool') },
      timeout: 120_000,
    });
    const dump = await mlmdDump({ sqlite: file });
    const train = dump.executions.find((e) => e.type === 'mlmeta.Train');
    expect(train?.last_known_state).toBe('COMPLETE');
    expect(Object.keys(train?.custom_properties ?? {})).toEqual(
      expect.arrayContaining(['metric.loss', 'metric.loss.best']),
    );
    expect(train?.custom_properties['metric.loss']).toHaveProperty('DOUBLE');
    expect(dump.artifacts.some((a) => a.type === 'mlmeta.Dataset')).toBe(true);
    expect(dump.contexts.map((c) => c.type)).toEqual(
      expect.arrayContaining(['mlmeta.Experiment', 'mlmeta.Process']),
    );
    expect(dump.events.length).toBeGreaterThan(0);
    // Every structured value reached MLMD as a STRUCT, never as mlmeta-private text.
    for (const node of [...dump.artifacts, ...dump.executions, ...dump.contexts]) {
      for (const value of Object.values({ ...node.properties, ...node.custom_properties })) {
        if ('STRING' in value) expect(String(value.STRING)).not.toMatch(/^[[{]/);
      }
    }
  });
});
