/**
 * MLMD's enums, with MLMD's integer values so that records can be exchanged with MLMD tools.
 * The public API speaks in names ('LIVE', 'COMPLETE', 'INPUT'); stores persist the integers.
 */

export const PropertyType = {
  UNKNOWN: 0,
  INT: 1,
  DOUBLE: 2,
  STRING: 3,
  STRUCT: 4,
  PROTO: 5,
  BOOLEAN: 6,
} as const;
/**
 * The name of a property type, as the API speaks it.
 *
 * @example
 * const kind: PropertyTypeName = 'DOUBLE';
 */
export type PropertyTypeName = Exclude<keyof typeof PropertyType, 'UNKNOWN'>;

/**
 * MLMD's artifact states with MLMD's integer values.
 *
 * @example
 * ArtifactState.LIVE; // 2
 */
export const ArtifactState = {
  UNKNOWN: 0,
  PENDING: 1,
  LIVE: 2,
  MARKED_FOR_DELETION: 3,
  DELETED: 4,
  ABANDONED: 5,
  REFERENCE: 6,
} as const;
/**
 * The name of an artifact state.
 *
 * @example
 * const state: ArtifactStateName = 'LIVE';
 */
export type ArtifactStateName = keyof typeof ArtifactState;

/**
 * MLMD's execution states with MLMD's integer values.
 *
 * @example
 * ExecutionState.COMPLETE; // 3
 */
export const ExecutionState = {
  UNKNOWN: 0,
  NEW: 1,
  RUNNING: 2,
  COMPLETE: 3,
  FAILED: 4,
  CACHED: 5,
  CANCELED: 6,
} as const;
/**
 * The name of an execution state.
 *
 * @example
 * const state: ExecutionStateName = 'FAILED';
 */
export type ExecutionStateName = keyof typeof ExecutionState;

/**
 * MLMD's event types with MLMD's integer values.
 *
 * @example
 * EventType.OUTPUT; // 4
 */
export const EventType = {
  UNKNOWN: 0,
  DECLARED_OUTPUT: 1,
  DECLARED_INPUT: 2,
  INPUT: 3,
  OUTPUT: 4,
  INTERNAL_INPUT: 5,
  INTERNAL_OUTPUT: 6,
  PENDING_OUTPUT: 7,
} as const;
/**
 * The name of an event type.
 *
 * @example
 * const type: EventTypeName = 'INPUT';
 */
export type EventTypeName = keyof typeof EventType;

/** Event types that carry data from an artifact into an execution. */
export const INPUT_EVENT_TYPES: readonly EventTypeName[] = ['DECLARED_INPUT', 'INPUT', 'INTERNAL_INPUT'];
/** Event types that carry data from an execution out to an artifact. */
export const OUTPUT_EVENT_TYPES: readonly EventTypeName[] = [
  'DECLARED_OUTPUT',
  'OUTPUT',
  'INTERNAL_OUTPUT',
  'PENDING_OUTPUT',
];

/** MLMD's Type.type_kind column. */
export const TypeKind = { execution: 0, artifact: 1, context: 2 } as const;
/**
 * The kind of a type: artifact, execution or context.
 *
 * @example
 * const kind: TypeKindName = 'artifact';
 */
export type TypeKindName = keyof typeof TypeKind;

/** Reverse lookup: integer → name, for rows coming back from a store. */
export function enumName<E extends Record<string, number>>(enumObject: E, value: number): keyof E {
  for (const [name, v] of Object.entries(enumObject)) if (v === value) return name as keyof E;
  return 'UNKNOWN' as keyof E;
}
