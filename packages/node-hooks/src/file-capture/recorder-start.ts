/**
 * The detached recorder child's entry (dist/recorder-start.cjs): finds @mlmeta/core from here
 * and runs its file-recorder, with this process's arguments (`<job.json> [<log>]`). Resolving
 * core is the child's work, so it is not the recorded process's: at that process's exit it cost
 * about 4 ms, more than the spawn itself (docs/BENCHMARKS.md, "Preload hook: file capture").
 */
import { dirname, join } from 'node:path';

require(join(dirname(require.resolve('@mlmeta/core')), 'file-recorder.cjs'));
