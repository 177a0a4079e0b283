/**
 * A store filled by real runs for the UI tests (see fixtures/seed.mjs): a tfjs fit, a failed
 * run (with system metrics), an exported and served ONNX model, a NaN loss, a CACHED step, a LOST
 * run, an evaluation of the fit's model and a two-step pipeline run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SEED = join(import.meta.dirname, 'fixtures', 'seed.mjs');

export interface Seeded {
  fitRunId: number;
  failedRunId: number;
  exportRunId: number;
  serveRunId: number;
  nanRunId: number;
  cachedRunId: number;
  lostRunId: number;
  /** The evaluation of the fit's model. */
  evaluationRunId: number;
  /** The pipeline run context (two steps, prepare and train). */
  pipelineRunId: number;
}

/** Seeds a new SQLite store in a temporary folder; returns its folder, URI and the runs' ids. */
export async function seedStore(): Promise<{ dir: string; uri: string; seeded: Seeded }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlmeta-ui-'));
  const uri = `sqlite:${join(dir, 'mlmeta.db')}`;
  const { stdout } = await run(process.execPath, [SEED], {
    cwd: dir,
    env: { ...process.env, MLMETA_STORE: uri, MLMETA_LOG_LEVEL: 'error' },
    timeout: 180_000,
  });
  return { dir, uri, seeded: JSON.parse(stdout.trim().split('\n').at(-1)!) };
}
