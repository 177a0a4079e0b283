import type { ExecutionStateName } from '../model/enums.js';
import { RUN_PROPERTIES } from '../model/run-properties.js';
import type { Execution } from '../model/schemas.js';

/** An execution's state as readers should show it: 'LOST' for a run whose process died unseen. */
export type RunStatus = ExecutionStateName | 'LOST';

/** Missed heartbeats after which a RUNNING run counts as lost. */
export const LOST_AFTER_HEARTBEATS = 3;

/**
 * The state to show for an execution: its recorded state, except that a RUNNING run whose last
 * heartbeat is older than three heartbeat intervals is 'LOST' (its process was killed, for
 * example by SIGKILL or a power loss, with no chance to record an end).
 *
 * @example
 * const execution = await store.getExecution({ externalId: runId });
 * if (execution && runStatus(execution) === 'LOST') console.log('the process running this died');
 */
export function runStatus(
  execution: Pick<Execution, 'lastKnownState' | 'customProperties'>,
  now = Date.now(),
): RunStatus {
  if (execution.lastKnownState !== 'RUNNING') return execution.lastKnownState;
  const heartbeat = execution.customProperties[RUN_PROPERTIES.heartbeat];
  const interval = execution.customProperties[RUN_PROPERTIES.heartbeatInterval];
  if (typeof heartbeat !== 'number' || typeof interval !== 'number' || interval <= 0) return 'RUNNING';
  return now - heartbeat > LOST_AFTER_HEARTBEATS * interval ? 'LOST' : 'RUNNING';
}
