/**
 * A fit as it happens, in real child processes: the run is in the store while it trains, its
 * metrics and heartbeat keep arriving, SIGTERM/SIGINT end the process as they would without
 * mlmeta (the run CANCELED at the epoch it reached) and SIGKILL leaves a LOST run. The program
 * has no callbacks of its own (tfjs then never yields to the event loop by itself), or one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runStatus } from '@mlmeta/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  type Child,
  mlmetaLines,
  openStore,
  REGISTER,
  root,
  start as startChild,
  type Workspace,
  workspace,
} from '../node-hooks/helpers.js';

const ENDLESS = join(root, 'test/tfjs/fixtures/endless-fit.mjs');

beforeAll(assertBuilt);

// An endless fit must not outlive a failed test.
const children: Child[] = [];
const start = (...args: Parameters<typeof startChild>) => {
  const child = startChild(...args);
  children.push(child);
  return child;
};
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function trainRun(ws: Workspace) {
  if (!existsSync(ws.storeFile)) return undefined;
  const store = await openStore(`sqlite:${ws.storeFile}`);
  try {
    const [execution] = (await store.getExecutions({ type: 'mlmeta.Train' })).items;
    if (!execution) return undefined;
    const keys = await store.getMetricKeys({ id: execution.id });
    return { execution, loss: keys.find((k) => k.key === 'loss')?.count ?? 0 };
  } finally {
    await store.close();
  }
}

async function waitFor<T>(read: () => Promise<T | undefined>, ok: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const MODES: Array<[string, string[], string[]]> = [
  ['the hook, no callbacks', ['--import', REGISTER], []],
  ['the inline callback, no other callbacks', [], ['--mlmeta']],
  ['the hook and a user callback', ['--import', REGISTER], ['--user-callback']],
];

describe.each(MODES)('a fit under %s', (_title, nodeArgs, args) => {
  it('is RUNNING in the store with metrics arriving, and SIGTERM ends it as without mlmeta', async () => {
    const plain = start(
      [],
      ENDLESS,
      args.filter((a) => a !== '--mlmeta'),
      {},
    );
    await plain.printed('fitting');
    plain.kill('SIGTERM');
    const without = await plain.done;

    const ws = workspace();
    const child = start(nodeArgs, ENDLESS, args, ws.env);
    await child.printed('fitting');
    const first = await waitFor(
      () => trainRun(ws),
      (r) => r.execution.lastKnownState === 'RUNNING' && r.loss > 0,
    );
    // Still training: later epochs reach the store while the fit goes on.
    await waitFor(
      () => trainRun(ws),
      (r) => r.loss > first.loss,
    );
    child.kill('SIGTERM');
    const result = await child.done;
    expect(result.signal).toBe(without.signal);
    expect(result.code).toBe(without.code);
    expect(result.stdout).not.toContain('finished');
    expect(mlmetaLines(result.stderr)).toEqual([]);
    const ended = (await trainRun(ws))!;
    expect(ended.execution.lastKnownState).toBe('CANCELED');
    expect(ended.execution.customProperties['mlmeta.signal']).toBe('SIGTERM');
    expect(ended.execution.customProperties.epochsCompleted).toBeGreaterThanOrEqual(first.loss);
  });
});

describe('signals and kills mid-fit with no user callbacks', () => {
  it('SIGINT under the hook: the process dies by it, the run is CANCELED', async () => {
    const ws = workspace();
    const child = start(['--import', REGISTER], ENDLESS, [], ws.env);
    await child.printed('fitting');
    await waitFor(
      () => trainRun(ws),
      (r) => r.loss > 0,
    );
    child.kill('SIGINT');
    const result = await child.done;
    expect(result.signal).toBe('SIGINT');
    const ended = (await trainRun(ws))!;
    expect(ended.execution.lastKnownState).toBe('CANCELED');
    expect(ended.execution.customProperties.epochsCompleted).toBeGreaterThan(0);
  });

  it('SIGKILL: the heartbeat went on during the fit, and the run reads as LOST', async () => {
    const ws = workspace();
    const child = start(['--import', REGISTER], ENDLESS, [], { ...ws.env, MLMETA_HEARTBEAT_INTERVAL: '0.5' });
    await child.printed('fitting');
    const first = await waitFor(
      () => trainRun(ws),
      (r) => r.loss > 0,
    );
    const beat = (r: NonNullable<typeof first>) => r.execution.customProperties['mlmeta.heartbeat'] as number;
    await waitFor(
      () => trainRun(ws),
      (r) => beat(r) > beat(first),
    );
    child.kill('SIGKILL');
    await child.done;
    const killed = (await trainRun(ws))!;
    expect(killed.execution.lastKnownState).toBe('RUNNING');
    // Three missed heartbeats (1.5 s) after the last one written, the run reads as LOST.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(runStatus(killed.execution)).toBe('LOST');
  });
});
