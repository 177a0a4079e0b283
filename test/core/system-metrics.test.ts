/**
 * System metrics of a live run, in a real process: CPU and memory of the process and the machine
 * as `system/` series, GPUs through nvidia-smi where it exists. This machine has no GPU, so the
 * GPU path runs against nvidia-smi's CSV as it prints it on real machines, from a stand-in
 * `nvidia-smi` on PATH; without one, nothing is said about it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiUsage } from '../../packages/core/src/capture/system-metrics.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/system-run.mjs', import.meta.url));

/** `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits` on a 2-GPU host. */
const NOUNITS = '0, 87, 2679, 81559\n1, 0, 5, 81559\n';
/** The same query without nounits, and a MIG-style device that reports no utilization. */
const WITH_UNITS = '0, 91 %, 22140 MiB, 24564 MiB\n1, [N/A], 5 MiB, 24564 MiB\n\n';

function record(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-system-'));
  const store = `sqlite:${join(dir, 'm.db')}`;
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLMETA_')));
  const result = spawnSync(process.execPath, [fixture], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...base,
      MLMETA_STORE: store,
      MLMETA_SPOOL_DIR: join(dir, 'spool'),
      MLMETA_CAPTURE_DISABLED: 'git,hardware,packages',
      MLMETA_SYSTEM_INTERVAL: '0.2',
      ...env,
    },
  });
  return { store, dir, ...result };
}

async function systemSeries(storeUri: string, runId: string) {
  const store = await openStore(storeUri);
  try {
    const execution = (await store.getExecution({ externalId: runId }))!;
    const keys = (await store.getMetricKeys({ externalId: runId })).map((k) => k.key).sort();
    const series = new Map<string, number[]>();
    for (const key of keys.filter((k) => k.startsWith('system/'))) {
      const { points } = await store.getMetrics({ execution: { externalId: runId }, key });
      series.set(
        key,
        points.map((p) => p.value),
      );
    }
    return { execution, keys, series };
  } finally {
    await store.close();
  }
}

describe('nvidia-smi CSV', () => {
  it('reads rows with and without units, and leaves out what a device does not report', () => {
    expect(parseNvidiaSmiUsage(NOUNITS)).toEqual([
      { index: 0, utilizationPercent: 87, memoryUsedMiB: 2679, memoryTotalMiB: 81559 },
      { index: 1, utilizationPercent: 0, memoryUsedMiB: 5, memoryTotalMiB: 81559 },
    ]);
    expect(parseNvidiaSmiUsage(WITH_UNITS)).toEqual([
      { index: 0, utilizationPercent: 91, memoryUsedMiB: 22140, memoryTotalMiB: 24564 },
      { index: 1, memoryUsedMiB: 5, memoryTotalMiB: 24564 },
    ]);
    expect(
      parseNvidiaSmiUsage('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n'),
    ).toEqual([]);
  });
});

describe('system metrics while a run is alive', () => {
  it('samples process and machine CPU and memory as system/ series, without a word about the missing nvidia-smi', async () => {
    const { store, stdout, stderr, status } = record({});
    expect(status).toBe(0);
    expect(stderr).not.toContain('[mlmeta]');
    const { execution, series } = await systemSeries(store, stdout.trim());
    expect([...series.keys()]).toEqual([
      'system/cpu_utilization_percentage',
      'system/process_cpu_utilization_percentage',
      'system/process_heap_used_megabytes',
      'system/process_memory_rss_megabytes',
      'system/system_memory_usage_megabytes',
      'system/system_memory_usage_percentage',
    ]);
    const rss = series.get('system/process_memory_rss_megabytes')!;
    expect(rss.length).toBeGreaterThanOrEqual(2);
    for (const mb of rss) expect(mb).toBeGreaterThan(10);
    // The fixture keeps one core busy: the process's share of one core is well above idle.
    expect(Math.max(...series.get('system/process_cpu_utilization_percentage')!)).toBeGreaterThan(20);
    for (const pct of series.get('system/cpu_utilization_percentage')!) {
      expect(pct).toBeGreaterThan(0);
      expect(pct).toBeLessThanOrEqual(100);
    }
    // They describe the machine, not the model: no final or best value among the run's metrics.
    expect(Object.keys(execution.customProperties).filter((k) => k.includes('system/'))).toEqual([]);
  });

  it('adds each GPU from nvidia-smi where it exists', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'mlmeta-smi-'));
    const smi = join(bin, 'nvidia-smi');
    writeFileSync(smi, `#!/bin/sh\nprintf '${NOUNITS.replaceAll('\n', '\\n')}'\n`);
    chmodSync(smi, 0o755);
    const { store, stdout, status } = record({ PATH: `${bin}:${process.env.PATH}` });
    expect(status).toBe(0);
    const { series } = await systemSeries(store, stdout.trim());
    expect(series.get('system/gpu_0_utilization_percentage')?.[0]).toBe(87);
    expect(series.get('system/gpu_1_memory_usage_megabytes')?.[0]).toBe(5);
    expect(series.get('system/gpu_0_memory_usage_percentage')?.[0]).toBeCloseTo((100 * 2679) / 81559);
  });

  it('records none with MLMETA_CAPTURE_DISABLED=system', async () => {
    const { store, stdout, status } = record({ MLMETA_CAPTURE_DISABLED: 'git,hardware,packages,system' });
    expect(status).toBe(0);
    const { keys } = await systemSeries(store, stdout.trim());
    expect(keys.filter((k) => k.startsWith('system/'))).toEqual([]);
  });
});
