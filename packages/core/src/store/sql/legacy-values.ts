/**
 * Values as mlmeta before schema version 4 stored them: a tag in byte_value (a column MLMD never
 * reads or writes) marked JSON text in string_value and NaN (all value columns NULL). MLMD
 * updates a value in place without touching byte_value, so a tag is only believed while the
 * columns still hold what mlmeta wrote; otherwise the columns win. Migration 4 rewrites these
 * rows in MLMD's encodings; reading stays possible for files opened read-only before it ran.
 */
import type { JsonValue } from '../../model/schemas.js';
import { Params, type Row, type SqlExecutor } from './driver.js';
import { encodeStructText } from './mlmd-struct.js';
import { NODE_TABLES } from './nodes.js';

const JSON_TAG = 'mlmeta:json';
const NAN_TAG = 'mlmeta:nan';

function tagOf(bytes: unknown): string | undefined {
  if (bytes == null) return undefined;
  if (Buffer.isBuffer(bytes) || bytes instanceof Uint8Array) return Buffer.from(bytes).toString('utf8');
  return String(bytes);
}

/** What a tagged row meant: `{ value }`, or undefined when it has no tag that still holds. */
export function legacyValue(row: Row): { value: JsonValue } | undefined {
  const tag = tagOf(row.byte_value);
  const others = row.int_value == null && row.double_value == null && row.bool_value == null;
  if (tag === NAN_TAG && others && row.string_value == null) return { value: Number.NaN };
  if (tag === JSON_TAG && others && typeof row.string_value === 'string') {
    try {
      const parsed = JSON.parse(row.string_value) as JsonValue;
      // mlmeta tagged objects and arrays only: anything else is text MLMD wrote over it.
      if (typeof parsed === 'object' && parsed !== null) return { value: parsed };
    } catch {
      // text MLMD wrote over the JSON: not ours any more
    }
  }
  return undefined;
}

/** Migration 4: every tagged row in MLMD's encoding, every stale tag removed. */
export async function legacyTaggedValues(tx: SqlExecutor): Promise<void> {
  for (const table of Object.values(NODE_TABLES)) {
    const rows = await tx.all(
      `SELECT ${table.owner} AS owner, name, is_custom_property, int_value, double_value, string_value, bool_value, byte_value FROM ${table.propertyTable} WHERE byte_value IS NOT NULL`,
    );
    for (const row of rows) {
      const legacy = legacyValue(row);
      const p = new Params(tx.dialect);
      let set = 'byte_value = NULL';
      if (legacy && typeof legacy.value === 'number') set += `, double_value = ${p.add('NaN')}`;
      else if (legacy) set += `, string_value = ${p.add(encodeStructText(legacy.value))}`;
      await tx.run(
        `UPDATE ${table.propertyTable} SET ${set} WHERE ${table.owner} = ${p.add(row.owner)} AND name = ${p.add(row.name)} AND is_custom_property = ${p.add(row.is_custom_property)}`,
        p.values,
      );
    }
  }
}
