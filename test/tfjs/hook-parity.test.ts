/**
 * The preload hook records what the callback records for the same program: the tfjs versions
 * and backend, and a save to a file:// URL (found through the flavour's `io`, which tfjs-layers,
 * the first module the hook sees, does not have), for ESM and CommonJS programs.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  mlmetaLines,
  openStore,
  REGISTER,
  recorded,
  root,
  run,
  workspace,
} from '../node-hooks/helpers.js';

const fixture = (name: string) => join(root, 'test/tfjs/fixtures', name);

beforeAll(assertBuilt);

async function fitRecord(storeFile: string) {
  const store = await openStore(`sqlite:${storeFile}`);
  try {
    const train = await recorded(store, 'mlmeta.Train');
    expect(train.executions).toHaveLength(1);
    const [fit] = train.executions;
    // The save is the folder it wrote, by its files (the in-memory model output has no uri).
    const saved = train.outputs.get(fit.id)!.filter((a) => a.uri !== undefined);
    return { tfjs: fit.customProperties.tfjs as Record<string, unknown>, saved: saved.map((a) => a.uri) };
  } finally {
    await store.close();
  }
}

describe('zero-code and callback modes record the same', () => {
  it('versions, backend and the file:// save, under --import, --require and with the callback', async () => {
    const modes: Array<[string[], string, string[]]> = [
      [[], fixture('save-file-url.mjs'), ['--mlmeta']],
      [['--import', REGISTER], fixture('save-file-url.mjs'), []],
      [['--require', REGISTER], fixture('save-file-url.cjs'), []],
    ];
    const records = [];
    for (const [nodeArgs, script, args] of modes) {
      const ws = workspace();
      const result = await run(nodeArgs, script, [ws.modelDir, ...args], ws.env);
      expect(result.code).toBe(0);
      expect(mlmetaLines(result.stderr)).toEqual([]);
      const record = await fitRecord(ws.storeFile);
      expect(record.saved).toEqual([ws.modelDir]);
      expect(record.tfjs).toMatchObject({ backend: 'cpu', versions: { tfjs: expect.any(String) } });
      records.push(record.tfjs);
    }
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
  });
});
