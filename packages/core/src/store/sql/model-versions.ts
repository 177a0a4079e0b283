/**
 * Model versions, numbered where they can be numbered without a race: inside the transaction
 * that writes them (SQLite's BEGIN IMMEDIATE and PostgreSQL's SERIALIZABLE, retried, make the
 * read of the last number and the write of the next one atomic). What MLMD clients see:
 *
 * - one context of type `mlmeta.RegisteredModel` per model name (external id `model:<name>`),
 *   with custom properties `version.<n>` (the external id of version n's artifact, else `#<id>`),
 *   `version.<n>.time` (when it was numbered, ms since epoch) and `latest_version`;
 * - an Attribution from each version's artifact to that context;
 * - on the artifact, `model.name` and `model.version` of the first model it became a version of
 *   (an artifact saved under two names is a version of both; the context is authoritative).
 *
 * The same artifact recorded again under the same name is the same version: content identity
 * makes "saved the same bytes twice" one model version, not two.
 */
import { MLMETA_TYPE_DECLARATIONS, MLMETA_TYPES } from '../../model/base-types.js';
import { MODEL_VERSION_PROPERTIES } from '../../model/model-version-properties.js';
import type { ModelVersionInput, NodeRef, Properties } from '../../model/schemas.js';
import { Params, type SqlExecutor } from './driver.js';
import { putTypes } from './types.js';

/** What putLineage lends this module: its reference resolution and its node upsert. */
export interface ModelVersionWriter {
  resolveArtifact(ref: NodeRef, role: string): Promise<number>;
  upsert(
    kind: 'artifact' | 'context',
    input: {
      type: string;
      typeVersion?: string;
      id?: number;
      externalId?: string;
      name?: string;
      customProperties?: Properties;
    },
  ): Promise<number>;
}

const REGISTERED_MODEL_TYPE = MLMETA_TYPE_DECLARATIONS.filter(
  (t) => t.kind === 'context' && t.name === MLMETA_TYPES.registeredModel,
);

/** The version numbers already given in a model's context, by the artifact key they hold. */
async function storedVersions(db: SqlExecutor, contextId: number): Promise<Map<string, number>> {
  const p = new Params(db.dialect);
  const rows = await db.all(
    `SELECT name, string_value FROM ContextProperty WHERE context_id = ${p.add(contextId)} AND is_custom_property = ${p.add(1)} AND name LIKE ${p.add('version.%')}`,
    p.values,
  );
  const versions = new Map<string, number>();
  for (const row of rows) {
    const match = /^version\.(\d+)$/.exec(String(row.name));
    if (match && typeof row.string_value === 'string') versions.set(row.string_value, Number(match[1]));
  }
  return versions;
}

/**
 * Numbers each entry's artifact as the next version of its model (see the file header). Call
 * inside putLineage's transaction, after the batch's nodes are written.
 */
export async function putModelVersions(
  db: SqlExecutor,
  entries: ModelVersionInput[],
  writer: ModelVersionWriter,
  now: number,
): Promise<void> {
  if (entries.length === 0) return;
  await putTypes(db, REGISTERED_MODEL_TYPE);
  for (const [i, entry] of entries.entries()) {
    const artifactId = await writer.resolveArtifact(entry.artifact, `modelVersions[${i}].artifact`);
    const p = new Params(db.dialect);
    const artifact = await db.get(
      `SELECT a.external_id, t.name AS type_name, t.version AS type_version, ` +
        `(SELECT int_value FROM ArtifactProperty ap WHERE ap.artifact_id = a.id AND ap.name = ${p.add(MODEL_VERSION_PROPERTIES.artifactVersion)} AND ap.is_custom_property = ${p.add(1)}) AS version ` +
        `FROM Artifact a JOIN Type t ON t.id = a.type_id WHERE a.id = ${p.add(artifactId)}`,
      p.values,
    );
    if (!artifact) continue;
    const versioned = artifact.version !== null && artifact.version !== undefined;
    if (entry.ifUnversioned && versioned) continue;
    const contextId = await writer.upsert('context', {
      type: MLMETA_TYPES.registeredModel,
      externalId: `model:${entry.model}`,
      name: entry.model,
    });
    const key = typeof artifact.external_id === 'string' ? artifact.external_id : `#${artifactId}`;
    const versions = await storedVersions(db, contextId);
    let version = versions.get(key);
    if (version === undefined) {
      version = Math.max(0, ...versions.values()) + 1;
      await writer.upsert('context', {
        type: MLMETA_TYPES.registeredModel,
        id: contextId,
        customProperties: {
          [`${MODEL_VERSION_PROPERTIES.versionPrefix}${version}`]: key,
          [`${MODEL_VERSION_PROPERTIES.versionPrefix}${version}.time`]: now,
          [MODEL_VERSION_PROPERTIES.latest]: version,
        },
      });
    }
    const q = new Params(db.dialect);
    await db.run(
      `INSERT INTO Attribution (context_id, artifact_id) VALUES (${q.add(contextId)}, ${q.add(artifactId)}) ON CONFLICT DO NOTHING`,
      q.values,
    );
    if (!versioned) {
      await writer.upsert('artifact', {
        type: String(artifact.type_name),
        ...(artifact.type_version == null ? {} : { typeVersion: String(artifact.type_version) }),
        id: artifactId,
        customProperties: {
          [MODEL_VERSION_PROPERTIES.artifactName]: entry.model,
          [MODEL_VERSION_PROPERTIES.artifactVersion]: version,
        },
      });
    }
  }
}
