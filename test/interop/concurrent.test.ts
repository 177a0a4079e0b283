/**
 * An MLMD process and mlmeta writing one SQLite file at the same time: neither fails, and
 * afterwards each reads everything both wrote.
 */
import { openStore } from '@mlmeta/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mlmdDump, tempStoreFile } from './helpers.js';
import { probePython, runPython } from './python.js';

const py = probePython('MLMD and mlmeta writing at once');
const COUNT = 200;

describe.skipIf(py.skip)('MLMD and mlmeta write one SQLite file at once', () => {
  let file: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ file, cleanup } = tempStoreFile());
  });
  afterEach(() => cleanup());

  it('both writers succeed and both read every record', async () => {
    // mlmeta creates the file first, as a training process would; MLMD adopts it as it is.
    const store = await openStore(`sqlite:${file}`, { worker: false });
    await store.putTypes([{ kind: 'artifact', name: 'x.Item' }]);
    try {
      const mlmd = runPython<{ written: number }>('mlmd_bulk.py', {
        store: { sqlite: file },
        count: COUNT,
        prefix: 'mlmd-',
      });
      for (let i = 0; i < COUNT; i++) {
        await store.putLineage({
          artifacts: [{ type: 'x.Item', externalId: `mlmeta-${i}`, uri: `file:///d/${i}` }],
        });
        // Let the other process in between writes.
        if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect((await mlmd).written).toBe(COUNT);
      const all = await store.getArtifacts({ limit: 10_000 });
      const ids = all.items.map((a) => a.externalId ?? '');
      expect(ids.filter((id) => id.startsWith('mlmd-'))).toHaveLength(COUNT);
      expect(ids.filter((id) => id.startsWith('mlmeta-'))).toHaveLength(COUNT);
    } finally {
      await store.close();
    }
    const dump = await mlmdDump({ sqlite: file });
    expect(dump.artifacts.filter((a) => a.external_id?.startsWith('mlmd-'))).toHaveLength(COUNT);
    expect(dump.artifacts.filter((a) => a.external_id?.startsWith('mlmeta-'))).toHaveLength(COUNT);
  });
});
