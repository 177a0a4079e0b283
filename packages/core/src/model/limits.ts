/**
 * What every backend can hold, apart from the zod schemas that enforce it (model/schemas.ts), so
 * that code which only reads stores knows the limits without loading zod.
 */

/**
 * Longest name, external id, property name and metric key every backend holds: MLMD's
 * VARCHAR(255) columns (PostgreSQL enforces them; SQLite would take more, and a store must
 * not accept what another backend would refuse on replay or export).
 */
export const MAX_NAME_LENGTH = 255;
/** Store ids are MLMD's INT columns: 1 to 2^31-1. */
export const MAX_ID = 2 ** 31 - 1;
