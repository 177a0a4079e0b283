// The Node side's handle on bench/peers/peer.py: one Python process per benchmark, holding the
// peer's client between commands, so the peer pays its import and connection costs once, as a
// long-lived training or serving process would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const python = `${root}.venv-interop/bin/python`;

/** Starts peer.py in the project's Python environment (made by bench/peers/setup.sh). */
export function startPeer() {
  if (!existsSync(python)) {
    console.error('bench/peers: no Python environment; run `bash bench/peers/setup.sh` first');
    process.exit(1);
  }
  const child = spawn(python, [fileURLToPath(new URL('./peer.py', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR: 'false', PYTHONUNBUFFERED: '1' },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    /** Sends one command and waits for its answer; a peer-side error stops the benchmark. */
    async call(op, args = {}) {
      child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error(`peer.py exited during ${op}`);
      const answer = JSON.parse(value);
      if (!answer.ok) throw new Error(`peer ${op}: ${answer.error}`);
      return answer;
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
