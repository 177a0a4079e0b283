/**
 * Every model kind, in a fresh process, records from its first fit: with the README's inline
 * `callbacks: [mlmeta.callback()]` (the patches must exist before `model.fit` is looked up), its
 * imports sorted (@mlmeta/tfjs first), as ESM and as CommonJS, and under the preload hook with
 * no mlmeta in the program.
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
const KINDS = ['sequential', 'functional', 'multi-io', 'rnn', 'nested'];

beforeAll(assertBuilt);

async function onlyRun(storeFile: string) {
  const store = await openStore(`sqlite:${storeFile}`);
  try {
    const train = await recorded(store, 'mlmeta.Train');
    expect(train.executions).toHaveLength(1);
    const [fit] = train.executions;
    return {
      fit,
      inputs: train.inputs.get(fit.id)!.map((a) => a.type),
      outputs: train.outputs.get(fit.id)!.map((a) => a.type),
    };
  } finally {
    await store.close();
  }
}

describe.each(KINDS)('a %s model', (kind) => {
  it('records its first fit with the inline callback (ESM and CommonJS) and under the hook, the same way', async () => {
    const modes = [
      { args: [] as string[], script: fixture('inline-callback.mjs') },
      { args: [] as string[], script: fixture('inline-callback.cjs') },
      { args: ['--import', REGISTER], script: fixture('plain-fit.mjs') },
    ];
    const seen = [];
    for (const { args, script } of modes) {
      const ws = workspace();
      const result = await run(args, script, [kind], ws.env);
      expect(result.code).toBe(0);
      expect(mlmetaLines(result.stderr)).toEqual([]);
      const { fit, inputs, outputs } = await onlyRun(ws.storeFile);
      expect(fit.lastKnownState).toBe('COMPLETE');
      expect(fit.customProperties.epochsCompleted).toBe(2);
      expect(inputs).toEqual(['mlmeta.Dataset']);
      expect(outputs).toEqual(['mlmeta.Model']);
      seen.push({ params: fit.customProperties['param.epochs'], summary: fit.customProperties.modelSummary });
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });
});
