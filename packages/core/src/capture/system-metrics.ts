/**
 * System metrics while runs are alive: CPU and memory of this process and of the machine, and
 * each NVIDIA GPU's utilization and memory where `nvidia-smi` exists, as metric series under
 * `system/` (the UI plots them in their own group; MLflow's names). One sampler per process,
 * on an unref'd timer (MLMETA_SYSTEM_INTERVAL, default 10 s): a sample reads counters the OS
 * keeps (os.cpus(), process.cpuUsage(), memory) in microseconds, and nvidia-smi runs as a child
 * process whose answer arrives asynchronously, so nothing runs on the training path. Without
 * nvidia-smi the GPU part stops after the first try, silently. MLMETA_CAPTURE_DISABLED=system
 * turns it all off.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { logger } from '../log.js';

/** What a sample is written to: a live run. */
export interface SystemMetricsSink {
  logMetrics(values: Record<string, number>, step?: number): void;
}

/**
 * One GPU's usage from `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,memory.total`.
 *
 * @example
 * const [gpu]: GpuUsage[] = parseNvidiaSmiUsage('0, 87, 2679, 81920\n');
 */
export interface GpuUsage {
  index: number;
  utilizationPercent?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
}

const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,utilization.gpu,memory.used,memory.total',
  '--format=csv,noheader,nounits',
];
const NVIDIA_SMI_TIMEOUT_MS = 5_000;
const MIB = 1024 * 1024;

/** A number from one CSV field: `87`, `87 %` or `2679 MiB`; `[N/A]` and `[Not Supported]` are absent. */
function field(text: string | undefined): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(?:%|MiB)?\s*$/.exec(text ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Parses nvidia-smi's CSV (with or without units, without the header line); rows it cannot
 * read are skipped.
 *
 * @example
 * parseNvidiaSmiUsage('0, 87, 2679, 81920\n1, [N/A], 5, 81920\n');
 * // [{ index: 0, utilizationPercent: 87, ... }, { index: 1, memoryUsedMiB: 5, ... }]
 */
export function parseNvidiaSmiUsage(csv: string): GpuUsage[] {
  const gpus: GpuUsage[] = [];
  for (const line of csv.split('\n')) {
    const [index, utilization, used, total] = line.split(',');
    const at = field(index);
    if (at === undefined || !Number.isInteger(at)) continue;
    const gpu: GpuUsage = { index: at };
    const utilizationPercent = field(utilization);
    const memoryUsedMiB = field(used);
    const memoryTotalMiB = field(total);
    if (utilizationPercent !== undefined) gpu.utilizationPercent = utilizationPercent;
    if (memoryUsedMiB !== undefined) gpu.memoryUsedMiB = memoryUsedMiB;
    if (memoryTotalMiB !== undefined) gpu.memoryTotalMiB = memoryTotalMiB;
    gpus.push(gpu);
  }
  return gpus;
}

/**
 * A GPU's usage as `system/` metrics.
 *
 * @example
 * gpuMetrics([{ index: 0, utilizationPercent: 87 }]); // { 'system/gpu_0_utilization_percentage': 87 }
 */
export function gpuMetrics(gpus: GpuUsage[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const gpu of gpus) {
    const prefix = `system/gpu_${gpu.index}`;
    if (gpu.utilizationPercent !== undefined)
      values[`${prefix}_utilization_percentage`] = gpu.utilizationPercent;
    if (gpu.memoryUsedMiB !== undefined) {
      values[`${prefix}_memory_usage_megabytes`] = gpu.memoryUsedMiB;
      if (gpu.memoryTotalMiB)
        values[`${prefix}_memory_usage_percentage`] = (100 * gpu.memoryUsedMiB) / gpu.memoryTotalMiB;
    }
  }
  return values;
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * The process-wide sampler: runs attach when they start and detach when they end; it samples
 * only while at least one is attached, and each sample goes to every attached run.
 */
class SystemSampler {
  private readonly runs = new Map<SystemMetricsSink, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastCpu = cpuTimes();
  private lastProcessCpu = process.cpuUsage();
  private lastAt = performance.now();
  /** False once nvidia-smi failed to run: no GPU, or no driver. */
  private nvidiaSmi = true;
  private gpuQuery: Promise<void> | undefined;

  constructor(private readonly intervalMs: number) {}

  attach(run: SystemMetricsSink): void {
    this.runs.set(run, 0);
    if (this.timer) return;
    this.lastCpu = cpuTimes();
    this.lastProcessCpu = process.cpuUsage();
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  detach(run: SystemMetricsSink): void {
    this.runs.delete(run);
    if (this.runs.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sample(): void {
    try {
      const values = this.hostAndProcess();
      const steps = new Map<SystemMetricsSink, number>();
      for (const [run, step] of this.runs) {
        run.logMetrics(values, step);
        steps.set(run, step);
        this.runs.set(run, step + 1);
      }
      this.sampleGpus(steps);
    } catch (error) {
      logger.debug('system metrics sample failed:', error);
    }
  }

  private hostAndProcess(): Record<string, number> {
    const now = performance.now();
    const cpu = cpuTimes();
    const processCpu = process.cpuUsage(this.lastProcessCpu);
    const elapsedUs = (now - this.lastAt) * 1000;
    const total = cpu.total - this.lastCpu.total;
    const values: Record<string, number> = {};
    if (total > 0)
      values['system/cpu_utilization_percentage'] = (100 * (cpu.busy - this.lastCpu.busy)) / total;
    // Of one core, like `top`: a process keeping two cores busy shows 200.
    if (elapsedUs > 0)
      values['system/process_cpu_utilization_percentage'] =
        (100 * (processCpu.user + processCpu.system)) / elapsedUs;
    this.lastCpu = cpu;
    this.lastProcessCpu = process.cpuUsage();
    this.lastAt = now;
    const totalMemory = os.totalmem();
    const used = totalMemory - os.freemem();
    values['system/system_memory_usage_megabytes'] = used / MIB;
    values['system/system_memory_usage_percentage'] = (100 * used) / totalMemory;
    const memory = process.memoryUsage();
    values['system/process_memory_rss_megabytes'] = memory.rss / MIB;
    values['system/process_heap_used_megabytes'] = memory.heapUsed / MIB;
    return values;
  }

  /** Asks nvidia-smi; its answer is written with the same steps as the sample it belongs to. */
  private sampleGpus(steps: Map<SystemMetricsSink, number>): void {
    if (!this.nvidiaSmi || this.gpuQuery) return;
    this.gpuQuery = new Promise<void>((resolve) => {
      const child = execFile(
        'nvidia-smi',
        NVIDIA_SMI_ARGS,
        { timeout: NVIDIA_SMI_TIMEOUT_MS },
        (error, stdout) => {
          this.gpuQuery = undefined;
          resolve();
          if (error) {
            this.nvidiaSmi = false;
            logger.debug('no GPU metrics: nvidia-smi did not run:', error.message);
            return;
          }
          const values = gpuMetrics(parseNvidiaSmiUsage(stdout));
          if (Object.keys(values).length === 0) return;
          for (const [run, step] of steps) if (this.runs.has(run)) run.logMetrics(values, step);
        },
      );
      // A spawn failure (ENOENT) arrives through the callback too; this keeps it off 'error'.
      child.on('error', () => undefined);
    });
  }
}

const SAMPLER_KEY = Symbol.for('mlmeta.systemSampler');

/**
 * Starts sampling system metrics into `run` until detachSystemMetrics(run). One sampler per
 * process, whose interval is the first caller's.
 *
 * @example
 * attachSystemMetrics(run, config.systemIntervalMs);
 */
export function attachSystemMetrics(run: SystemMetricsSink, intervalMs: number): void {
  try {
    const scope = globalThis as Record<symbol, unknown>;
    let sampler = scope[SAMPLER_KEY] as SystemSampler | undefined;
    if (!sampler) {
      sampler = new SystemSampler(intervalMs);
      scope[SAMPLER_KEY] = sampler;
    }
    sampler.attach(run);
  } catch (error) {
    logger.debug('could not start system metrics:', error);
  }
}

/**
 * Stops sampling into `run`; the sampler stops when no run is left.
 *
 * @example
 * detachSystemMetrics(run);
 */
export function detachSystemMetrics(run: SystemMetricsSink): void {
  const sampler = (globalThis as Record<symbol, unknown>)[SAMPLER_KEY] as SystemSampler | undefined;
  sampler?.detach(run);
}
