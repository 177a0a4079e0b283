/**
 * The Python judges of interoperability: MLMD's own client (`ml-metadata`) and
 * `openlineage-python`, from the `.venv-interop/` that `scripts/python-env.sh` creates (or the
 * interpreter in `MLMETA_PYTHON`). When it is absent, suites skip with a visible message, unless
 * `MLMETA_REQUIRE_PYTHON=true` (CI), where they run and fail.
 *
 * @example
 * const py = probePython('MLMD interop');
 * describe.skipIf(py.skip)('...', () => { ... });
 * const dump = await runPython('mlmd_dump.py', { sqlite: file });
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PYTHON = process.env.MLMETA_PYTHON || `${ROOT}.venv-interop/bin/python`;
export const PYTHON_REQUIRED = process.env.MLMETA_REQUIRE_PYTHON === 'true';
const SCRIPTS = fileURLToPath(new URL('./py/', import.meta.url));

/** True (and a printed reason) when the venv is missing and not required: the suite should skip. */
export function probePython(what: string): { skip: boolean } {
  if (existsSync(PYTHON) || PYTHON_REQUIRED) return { skip: false };
  console.warn(
    `SKIPPED ${what}: ${PYTHON} does not exist. Run scripts/python-env.sh (creates .venv-interop/ with ml-metadata and openlineage-python), or set MLMETA_REQUIRE_PYTHON=true to fail instead.`,
  );
  return { skip: true };
}

/** Run `test/interop/py/<script>` with `input` as JSON on stdin; resolves its JSON stdout. */
export function runPython<T = unknown>(
  script: string,
  input: unknown,
  env: NodeJS.ProcessEnv = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      [`${SCRIPTS}${script}`],
      { env: { ...process.env, PYTHONPATH: SCRIPTS, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(new Error(`${script} printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}
