/**
 * Which execution made an artifact, when several output the same bytes. The latest output event
 * wins, except that a process's `mlmeta.Script` execution (zero-code file capture: the whole
 * script) gives way to any other producer: the fit that saved the model folder the script is
 * recorded writing is the more specific answer, with the hyperparameters and the data.
 */
import { MLMETA_TYPES } from '../model/base-types.js';
import { OUTPUT_EVENT_TYPES } from '../model/enums.js';
import type { Event } from '../model/schemas.js';

const isOutput = (type: string) => (OUTPUT_EVENT_TYPES as readonly string[]).includes(type);

/**
 * Artifact id → the id of the execution that made it, from the artifacts' events and the types
 * of the executions those events name (`typeOf`; an unknown type counts as specific).
 *
 * @example
 * const producers = producerByArtifact(events, (id) => executions.get(id)?.type);
 */
export function producerByArtifact(
  events: readonly Event[],
  typeOf: (executionId: number) => string | undefined,
): Map<number, number> {
  const best = new Map<number, { executionId: number; at: number; script: boolean }>();
  for (const event of events) {
    if (!isOutput(event.type)) continue;
    const candidate = {
      executionId: event.executionId,
      at: event.millisecondsSinceEpoch,
      script: typeOf(event.executionId) === MLMETA_TYPES.script,
    };
    const known = best.get(event.artifactId);
    const better =
      known === undefined ||
      (known.script && !candidate.script) ||
      (known.script === candidate.script && candidate.at >= known.at);
    if (better) best.set(event.artifactId, candidate);
  }
  return new Map([...best].map(([artifactId, { executionId }]) => [artifactId, executionId]));
}
