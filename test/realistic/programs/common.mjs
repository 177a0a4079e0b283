// What the suite changes between its three runs of a program. Plain (nothing here) and under
// the preload hook, the program has no mlmeta in it; with REALISTIC_MODE=inline it adds the
// README's one line to each fit, `instrument(tf)` to a serving program, and the tracker API to
// a custom training loop (there is no fit to add a callback to).
import * as tf from '@tensorflow/tfjs';

const inline = process.env.REALISTIC_MODE === 'inline';
const mlmeta = inline ? await import('@mlmeta/tfjs') : undefined;
const core = inline ? await import('@mlmeta/core') : undefined;

await tf.setBackend('cpu');

/** The program's own callbacks, and mlmeta's in inline mode. */
export function callbacks(...own) {
  return mlmeta ? [...own, mlmeta.callback()] : own;
}

/** A serving program's one line: record predictions. */
export function serving() {
  mlmeta?.instrument(tf);
}

/** A custom loop's run, through the tracker API in inline mode. */
export function track(name, params) {
  const run = core?.startRun({ name, params });
  return {
    logMetrics: (values, step) => run?.logMetrics(values, step),
    end: async () => {
      await run?.end();
    },
  };
}

/** Waits for mlmeta's records in inline mode (the hook writes them at exit by itself). */
export async function done() {
  await mlmeta?.flush();
}

export { tf };
