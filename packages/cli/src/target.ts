/**
 * What `lineage` and `trace` start from: a file on disk (hashed the way the integrations hash
 * it), an artifact, or a run.
 */
import { existsSync } from 'node:fs';
import type { Artifact, Execution, MetadataStore } from '@mlmeta/core/read';
import { CliError } from './context.js';
import { type FileIdentity, identifyFile } from './file-digest.js';
import { findArtifact, findRun, knownNames, literal, notFound, rejectAmbiguousNumber } from './resolve.js';

export type Target =
  | { kind: 'artifact'; node: Artifact; file?: FileIdentity }
  | { kind: 'execution'; node: Execution };

/**
 * What the store holds for a file: the artifacts with its current content (any of its digests),
 * and the artifacts recorded at its path with other content (older versions), newest first.
 */
export async function artifactsForFile(
  store: MetadataStore,
  file: FileIdentity,
): Promise<{ current: Artifact[]; older: Artifact[] }> {
  const [byDigest, byUri] = await Promise.all([
    store.getArtifacts({ externalIds: file.digests, limit: file.digests.length }),
    store.getArtifacts({
      filter: `uri IN (${file.uris.map(literal).join(', ')})`,
      orderBy: 'id',
      descending: true,
      limit: 50,
    }),
  ]);
  const digests = new Set(file.digests);
  const current = [...byDigest.items].sort(
    (a, b) => file.digests.indexOf(a.externalId ?? '') - file.digests.indexOf(b.externalId ?? ''),
  );
  return { current, older: byUri.items.filter((a) => !digests.has(a.externalId ?? '')) };
}

/** The artifact recorded for a file: by digest, else the newest recorded at its path. */
export async function artifactForFile(
  store: MetadataStore,
  file: FileIdentity,
): Promise<Artifact | undefined> {
  const { current, older } = await artifactsForFile(store, file);
  return current[0] ?? older[0];
}

export function unknownFile(store: MetadataStore, file: FileIdentity, shown: string): CliError {
  return new CliError(
    `${shown} is unknown to ${store.uri}: no artifact has digest ${file.digest} or uri ${file.path}` +
      ' (was it recorded into another store? pass --store)',
  );
}

export async function resolveTarget(store: MetadataStore, ref: string): Promise<Target> {
  if (existsSync(ref)) {
    const file = await identifyFile(ref);
    const node = await artifactForFile(store, file);
    if (!node) throw unknownFile(store, file, ref);
    return { kind: 'artifact', node, file };
  }
  await rejectAmbiguousNumber(store, ref);
  if (!ref.startsWith('run:')) {
    const artifact = await findArtifact(store, ref);
    if (artifact) return { kind: 'artifact', node: artifact };
  }
  if (!ref.startsWith('artifact:')) {
    const run = await findRun(store, ref);
    if (run) return { kind: 'execution', node: run };
  }
  const error = notFound('run', ref, await knownNames(store));
  return Promise.reject(new CliError(error.message.replace(/^no run named/, 'no run or artifact named')));
}
