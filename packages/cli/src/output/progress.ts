/** Progress bars on a terminal (stderr), nothing at all in a pipe or with --json. */
import cliProgress from 'cli-progress';
import type { CliContext } from '../context.js';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

/**
 * @example
 * const bar = progressBar(ctx, 'replaying', total);
 * bar.update(n);
 * bar.stop();
 */
export function progressBar(ctx: CliContext, label: string, total: number): Progress {
  if (!ctx.progress) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total}`,
      stream: ctx.io.err,
      clearOnComplete: true,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
