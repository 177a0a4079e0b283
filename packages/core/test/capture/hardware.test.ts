import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { captureHardware, parseNvidiaSmi } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

function hasNvidiaSmi(): boolean {
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

describe('captureHardware', () => {
  it('describes this machine and caches the result per process', async () => {
    const first = captureHardware();
    const hw = await first;
    expect(hw.cpu?.cores).toBe(os.cpus().length);
    expect(hw.cpu?.physicalCores).toBeGreaterThan(0);
    expect(hw.memoryBytes).toBe(os.totalmem());
    expect(hw.os?.platform).toBe(process.platform);
    expect(hw.os?.kernel).toBe(os.release());
    expect(Array.isArray(hw.gpus)).toBe(true);
    expect(hw.probeMs).toBeGreaterThanOrEqual(0);
    expect(captureHardware()).toBe(first);
    // The cache lives on globalThis so that the ESM and CJS builds share it.
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('mlmeta.hardware')]).toBe(first);
    if (hasNvidiaSmi()) expect(hw.gpus.every((g) => g.source === 'nvidia-smi')).toBe(true);
    else expect(hw.gpus.every((g) => g.source === 'systeminformation')).toBe(true);
  });
});

describe('parseNvidiaSmi', () => {
  // Output of `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`
  // and the banner of plain `nvidia-smi` on a two-GPU machine.
  const csv = 'NVIDIA A100-SXM4-40GB, 40960, 535.104.05\nTesla T4, 15360, 535.104.05\n';
  const banner =
    '+---------------------------------------------------------------------------------------+\n' +
    '| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n';

  it('reads name, memory, driver and the CUDA version from the banner', () => {
    expect(parseNvidiaSmi(csv, banner)).toEqual([
      {
        name: 'NVIDIA A100-SXM4-40GB',
        memoryMiB: 40960,
        driver: '535.104.05',
        cuda: '12.2',
        vendor: 'NVIDIA',
        source: 'nvidia-smi',
      },
      {
        name: 'Tesla T4',
        memoryMiB: 15360,
        driver: '535.104.05',
        cuda: '12.2',
        vendor: 'NVIDIA',
        source: 'nvidia-smi',
      },
    ]);
  });

  it('tolerates a missing banner and fields it cannot read', () => {
    expect(parseNvidiaSmi('Some GPU, [N/A], 470.1\n\n')).toEqual([
      { name: 'Some GPU', driver: '470.1', vendor: 'NVIDIA', source: 'nvidia-smi' },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});
