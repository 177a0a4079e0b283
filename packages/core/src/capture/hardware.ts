/**
 * The machine a run trained on: CPU, memory, OS and GPUs. systeminformation is imported only
 * when this runs (it is heavy to load), GPUs come from `nvidia-smi` when it exists, and the
 * result is cached per process because the hardware does not change under a running process.
 */
import { execFile } from 'node:child_process';
import { logger } from '../log.js';

/**
 * One GPU: name, memory, driver and CUDA version, and which probe found it.
 *
 * @example
 * const { gpus } = await captureHardware();
 * console.log(gpus.map((g: GpuInfo) => `${g.name} ${g.memoryMiB} MiB`));
 */
export interface GpuInfo {
  name: string;
  memoryMiB?: number;
  driver?: string;
  cuda?: string;
  vendor?: string;
  source: 'nvidia-smi' | 'systeminformation';
}

/**
 * The machine a run trained on: CPU, memory, OS and GPUs, and how long the probes took.
 *
 * @example
 * const hw: HardwareInfo = await captureHardware();
 */
export interface HardwareInfo {
  cpu?: { manufacturer: string; brand: string; cores: number; physicalCores: number; speedGHz: number };
  memoryBytes?: number;
  os?: { platform: string; distro: string; release: string; kernel: string; arch: string };
  gpus: GpuInfo[];
  /** How long the probes took, so that their cost is visible in the record itself. */
  probeMs: number;
}

const NVIDIA_SMI_TIMEOUT_MS = 5_000;
const CACHE_KEY = Symbol.for('mlmeta.hardware');

function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: NVIDIA_SMI_TIMEOUT_MS }, (error, stdout) => {
      if (error) {
        logger.debug(`${command} ${args.join(' ')} unavailable:`, error.message);
        resolve(undefined);
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string, header?: string): GpuInfo[] {
  const cuda = header ? /CUDA Version:\s*([\d.]+)/.exec(header)?.[1] : undefined;
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [name = '', memory, driver] = line.split(',').map((field) => field.trim());
      const gpu: GpuInfo = { name, source: 'nvidia-smi', vendor: 'NVIDIA' };
      const mib = Number.parseInt(memory ?? '', 10);
      if (Number.isFinite(mib)) gpu.memoryMiB = mib;
      if (driver) gpu.driver = driver;
      if (cuda) gpu.cuda = cuda;
      return gpu;
    });
}

async function nvidiaGpus(): Promise<GpuInfo[] | undefined> {
  const [csv, header] = await Promise.all([
    run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits']),
    run('nvidia-smi', []),
  ]);
  return csv === undefined ? undefined : parseNvidiaSmi(csv, header);
}

async function probe(): Promise<HardwareInfo> {
  const started = performance.now();
  const info: HardwareInfo = { gpus: [], probeMs: 0 };
  const nvidia = nvidiaGpus();
  try {
    const si = await import('systeminformation');
    const [cpu, mem, osInfo] = await Promise.all([si.cpu(), si.mem(), si.osInfo()]);
    info.cpu = {
      manufacturer: cpu.manufacturer,
      brand: cpu.brand,
      cores: cpu.cores,
      physicalCores: cpu.physicalCores,
      speedGHz: cpu.speed,
    };
    info.memoryBytes = mem.total;
    info.os = {
      platform: osInfo.platform,
      distro: osInfo.distro,
      release: osInfo.release,
      kernel: osInfo.kernel,
      arch: osInfo.arch,
    };
    const fromSmi = await nvidia;
    if (fromSmi) {
      info.gpus = fromSmi;
    } else {
      // No nvidia-smi: systeminformation's graphics probe still finds other vendors' cards.
      const graphics = await si.graphics();
      info.gpus = graphics.controllers
        .filter((c) => c.model)
        .map((c) => ({
          name: c.model,
          vendor: c.vendor || undefined,
          memoryMiB: c.vram ?? undefined,
          source: 'systeminformation' as const,
        }));
    }
  } catch (error) {
    logger.debug('hardware capture incomplete:', error);
    info.gpus = (await nvidia) ?? info.gpus;
  }
  info.probeMs = Math.round(performance.now() - started);
  return info;
}

/**
 * CPU, memory, OS and GPUs of this machine; the first call probes (hundreds of milliseconds,
 * so run it off the training path), later calls return the cached result. Never rejects.
 *
 * @example
 * void captureHardware().then((hw) => run.setProperties({ hardware: hw }));
 */
export function captureHardware(): Promise<HardwareInfo> {
  const globals = globalThis as Record<symbol, Promise<HardwareInfo> | undefined>;
  globals[CACHE_KEY] ??= probe().catch((error) => {
    logger.debug('hardware capture failed:', error);
    return { gpus: [], probeMs: 0 };
  });
  return globals[CACHE_KEY];
}
