/**
 * Writing from an `exit` handler, where no promise settles any more: the final records are
 * spooled synchronously, then a short-lived child process (spawnSync, so still synchronous here)
 * replays that spool file into the store with the ordinary async store code. This works for
 * every backend and keeps one implementation of each write.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { OpenLineageTransportConfig } from '../openlineage/config.js';
import { builtWorkerScript } from '../worker/worker-thread.js';

/** Longest the process's exit waits for the replay child. */
export const EXIT_REPLAY_TIMEOUT_MS = 5000;

// Runs in the child: open the store, replay exactly this one file, close. No hooks, no tracking.
const CHILD_SCRIPT = `
const { MLMETA_REPLAY_MODULE: mod, MLMETA_REPLAY_STORE: uri, MLMETA_REPLAY_FILE: file, MLMETA_REPLAY_OPENLINEAGE: ol } = process.env;
import(mod).then(async (ns) => {
  const core = typeof ns.replaySpoolFile === 'function' ? ns : ns.default;
  const store = ol ? new core.OpenLineageTransport(JSON.parse(ol)) : await core.openStore(uri);
  try { await core.replaySpoolFile(store, file); } finally { await store.close(); }
}).catch((error) => { process.stderr.write(String(error && error.message || error)); process.exitCode = 1; });
`;

/**
 * Replay `file` into the store at `uri` (or, for OpenLineage events, to `transport`) from a child
 * process, synchronously. Returns undefined when the child wrote everything (and removed the
 * file), else why it did not: the caller owns the one warning that tells the user where the
 * records are.
 */
export function replaySpoolInChild(
  target: { uri: string } | { transport: OpenLineageTransportConfig },
  file: string,
): string | undefined {
  // core's entry in this build's format (not this module's file: in the split ESM build that is
  // a chunk, whose exports are not core's API). Under a TypeScript test runner there is none.
  const moduleFile = builtWorkerScript('index');
  if (!moduleFile) {
    return 'mlmeta is not running from its built files, which the replay process needs';
  }
  const result = spawnSync(process.execPath, ['-e', CHILD_SCRIPT], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      MLMETA_DISABLED: 'true',
      MLMETA_REPLAY_MODULE: pathToFileURL(moduleFile).href,
      MLMETA_REPLAY_FILE: file,
      ...('uri' in target
        ? { MLMETA_REPLAY_STORE: target.uri }
        : { MLMETA_REPLAY_OPENLINEAGE: JSON.stringify(target.transport) }),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: EXIT_REPLAY_TIMEOUT_MS,
    encoding: 'utf8',
  });
  if (result.status === 0) return undefined;
  const reason =
    result.error?.message ?? (result.stderr?.trim() || `replay process ended with ${result.signal}`);
  return reason.split('\n')[0];
}
