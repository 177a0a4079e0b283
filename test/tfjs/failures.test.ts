/**
 * A failure reads as the user's: an uncaught error from a recorded fit or evaluate prints the
 * same code frame as without mlmeta (the line that threw, not Node's internals), and the run
 * still records the error with its stack.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, openStore, REGISTER, recorded, root, run, workspace } from '../node-hooks/helpers.js';

const THROWS = join(root, 'test/tfjs/fixtures/throws.mjs');

/** What Node prints above the error: the file and line it points at, the source line, the caret. */
function codeFrame(stderr: string): string[] {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /^\S+:\d+$/.test(l));
  return lines.slice(at, at + 3);
}

/** The error's stack as printed: its message line and every `at` line. */
function printedStack(stderr: string): string[] {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /Error: /.test(l));
  return lines.slice(at).filter((l, i) => i === 0 || /^\s+at /.test(l));
}

beforeAll(assertBuilt);

describe.each([
  ['fit', 'mlmeta.Train'],
  ['evaluate', 'mlmeta.Evaluate'],
])('an uncaught error from %s under the hook', (method, type) => {
  it('shows the code frame it shows without mlmeta, and the run is FAILED with the stack', async () => {
    const plain = await run([], THROWS, [method], {});
    const ws = workspace();
    const hooked = await run(['--import', REGISTER], THROWS, [method], ws.env);
    expect(hooked.code).toBe(plain.code);
    const frame = codeFrame(plain.stderr);
    expect(frame[0]).toMatch(/tf-layers\.node\.js:\d+$/);
    expect(codeFrame(hooked.stderr)).toEqual(frame);
    const store = await openStore(`sqlite:${ws.storeFile}`);
    try {
      const [failed] = (await recorded(store, type)).executions;
      expect(failed.lastKnownState).toBe('FAILED');
      const error = failed.customProperties['mlmeta.error'] as { message: string; stack: string };
      expect(error.message).toContain('input expected a batch of elements');
      expect(error.stack).toContain('standardizeInputData');
    } finally {
      await store.close();
    }
  });
});

describe.each([
  ['evaluate', ['--import', REGISTER], []],
  ['predict', ['--import', REGISTER], []],
  ['evaluate', ['--require', REGISTER], []],
  ['fit', [], ['callback']],
])('an uncaught error from %s (node %s, %s)', (method, nodeArgs, extra) => {
  it('prints the stack it prints without mlmeta: no wrapper frames, none of the user frames lost', async () => {
    const plain = await run([], THROWS, [method], {});
    const ws = workspace();
    const recordedRun = await run(nodeArgs, THROWS, [method, ...extra], ws.env);
    expect(recordedRun.code).toBe(plain.code);
    const stack = printedStack(plain.stderr);
    expect(stack.length).toBeGreaterThan(3);
    expect(printedStack(recordedRun.stderr)).toEqual(stack);
    expect(codeFrame(recordedRun.stderr)).toEqual(codeFrame(plain.stderr));
    expect(recordedRun.stderr).not.toMatch(/mlmeta[A-Z]\w+|applyOriginal/);
  });
});
