/**
 * Linking an artifact to a run: the artifact node, its event, its attributions and its model
 * version, written through the run's writer. A local file or folder is identified by its bytes,
 * digested off the caller's path; a digest still in flight when the process exits is handed to
 * the detached file recorder (files/file-link-job.ts), which finishes the link after the exit.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { localPath } from '../caching/cache-key.js';
import { redactString, stripUrlCredentials } from '../capture/redact.js';
import { fileDigester } from '../files/digester.js';
import { sameFiles, snapshotFiles } from '../files/snapshot.js';
import { logger } from '../log.js';
import { MLMETA_TYPE_DECLARATIONS, MLMETA_TYPES } from '../model/base-types.js';
import type { EventTypeName } from '../model/enums.js';
import { type ArtifactInput, MAX_NAME_LENGTH, type PathStep, type TypeInput } from '../model/schemas.js';
import type { OpenLineageRun, OpenLineageRunIdentity } from '../openlineage/run-events.js';
import type { MetadataWriter } from '../writer/writer.js';
import type { ArtifactRecord } from './api.js';
import { fitExternalId, fitName, fitProperties } from './edge.js';
import { capString, toProperties } from './values.js';

/** The run an artifact is linked to, as plain data (it also travels to the file recorder). */
export interface LinkTarget {
  /** The run's execution external id. */
  externalId: string;
  name: string;
  type: string;
  experimentContextId: string;
  pipelineRunContextId?: string;
  /** The run's OpenLineage identity, when OpenLineage output is on (the file recorder sends its files). */
  openLineage?: OpenLineageRunIdentity;
}

/** A local file being digested before its artifact is written. */
export interface PendingFileLink {
  writer: MetadataWriter;
  target: LinkTarget;
  path: string;
  artifact: ArtifactRecord;
  event: EventTypeName;
  defaultType: string;
}

/** Every link of this process whose digest is in flight (the exit and signal paths hand them over). */
const inFlight = new Map<Promise<void>, PendingFileLink>();
const handedOver = new WeakSet<PendingFileLink>();

/**
 * The links still waiting for their digest, now owned by the caller: if a digest finishes
 * after this, its artifact is not written here.
 *
 * @example
 * const links = takePendingFileLinks(); // at exit: hand them to the file recorder
 */
export function takePendingFileLinks(): PendingFileLink[] {
  const links = [...inFlight.values()];
  inFlight.clear();
  for (const link of links) handedOver.add(link);
  return links;
}

/**
 * Resolves when every digest in flight has settled (the signal path waits for them, within its
 * deadline, before the final flush).
 *
 * @example
 * await fileLinksSettled();
 */
export async function fileLinksSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight.keys()]);
}

const KNOWN_TYPES = new Set(MLMETA_TYPE_DECLARATIONS.map((t) => `${t.kind}:${t.name}`));

/**
 * A declaration for a type the tracker was asked to use but mlmeta does not declare itself.
 *
 * @example
 * typeDeclaration('artifact', 'acme.Report'); // [{ kind: 'artifact', name: 'acme.Report', properties: {} }]
 */
export function typeDeclaration(kind: 'artifact' | 'execution', name: string): TypeInput[] {
  return KNOWN_TYPES.has(`${kind}:${name}`) ? [] : [{ kind, name, properties: {} }];
}

/** 'validation.x' → [{ key: 'validation' }, { key: 'x' }]; numeric parts become list indexes. */
function eventPath(role: string | undefined): PathStep[] | undefined {
  if (!role) return undefined;
  return role.split('.').map((part) => (/^\d+$/.test(part) ? { index: Number(part) } : { key: part }));
}

/** Files whose name says "a model": ONNX, TF/Keras/PyTorch/TFLite/safetensors files. */
const MODEL_FILE = /\.(onnx|ort|pb|h5|keras|tflite|pt|pth|safetensors|mlmodel)$/i;

/**
 * The type of a file identified by its content when none was given: a model file or a model
 * folder (a saved tfjs model, with model.json) is a Model, anything else a Dataset. Content
 * identity makes one node of what several processes see, so all of them must agree on its type.
 *
 * @example
 * fileArtifactType('model/', 'directory'); // 'mlmeta.Model' when model/model.json exists
 */
export function fileArtifactType(path: string, kind: 'file' | 'directory'): string {
  if (kind === 'file')
    return MODEL_FILE.test(path) || path.endsWith('model.json') ? MLMETA_TYPES.model : MLMETA_TYPES.dataset;
  return existsSync(join(path, 'model.json')) ? MLMETA_TYPES.model : MLMETA_TYPES.dataset;
}

/** A short suffix from an id, so names stay unique per type as MLMD requires. */
export const shortId = (id: string) => id.replace(/^[a-z0-9]+:/i, '').slice(0, 12);
/** Longest name that still fits a store with its `-<shortId>` suffix. */
export const MAX_SUFFIXED_NAME = MAX_NAME_LENGTH - 13;

/**
 * Writes the artifacts of one run: TrackedRun's logInput/logOutput, and the file recorder
 * finishing the links of a run whose process has exited.
 *
 * @example
 * new ArtifactLinker(writer, target).link({ uri: 'data/raw.csv' }, 'INPUT', MLMETA_TYPES.dataset);
 */
export class ArtifactLinker {
  /** Local files being digested before their artifact is written. */
  readonly digesting = new Set<Promise<void>>();
  private readonly label: { id: string; name: string };

  constructor(
    private readonly writer: MetadataWriter,
    readonly target: LinkTarget,
    private readonly openLineage?: OpenLineageRun,
  ) {
    this.label = { id: target.externalId, name: target.name };
  }

  /** Links `artifact` with an `event`; returns its external id (provisional while a file is digested). */
  link(artifact: ArtifactRecord, event: EventTypeName, defaultType: string): string {
    const method = event === 'INPUT' ? 'logInput' : 'logOutput';
    const path = artifact.digest && !artifact.writtenAs ? undefined : localPath(artifact.uri);
    if (path === undefined) {
      const externalId = this.givenId(artifact);
      this.guard(method, () => this.write(artifact, externalId, event, defaultType));
      return externalId;
    }
    const pending: PendingFileLink = {
      writer: this.writer,
      target: this.target,
      path,
      artifact,
      event,
      defaultType,
    };
    const task = this.linkFile(pending)
      .catch((error) => logger.warn(`${method} failed:`, error))
      .finally(() => {
        this.digesting.delete(task);
        inFlight.delete(task);
      });
    this.digesting.add(task);
    inFlight.set(task, pending);
    return `pending:${randomUUID()}`;
  }

  /**
   * Digests a local file or folder, then writes it under that digest; a path that cannot be read
   * is recorded by its uri alone. Nothing is written once the link was handed over.
   */
  linkFile(pending: PendingFileLink): Promise<void> {
    const { path, artifact, event, defaultType } = pending;
    const method = event === 'INPUT' ? 'logInput' : 'logOutput';
    return fileDigester()
      .digest(path)
      .then(
        ({ digest, kind, bytes, files }) => {
          if (handedOver.has(pending)) return;
          const { writtenAs, ...described } = artifact;
          if (writtenAs && !sameFiles(writtenAs, snapshotFiles(path))) {
            logger.debug(`${path} changed after it was written here; recorded by its own digest`);
            this.write(described, this.givenId(described), event, defaultType);
            return;
          }
          this.write(
            {
              ...described,
              type: artifact.type ?? fileArtifactType(path, kind),
              uri: path,
              properties: {
                ...artifact.properties,
                'file.kind': kind,
                'file.bytes': bytes,
                ...(files === undefined ? {} : { 'file.files': files }),
              },
            },
            digest,
            event,
            defaultType,
          );
        },
        (error: NodeJS.ErrnoException) => {
          if (handedOver.has(pending)) return;
          const { writtenAs: _writtenAs, ...described } = artifact;
          // A path written here that is gone again still has the identity its writer gave it.
          logger.warn(
            `${method}: could not read ${path} (${error.code ?? error.message}); recorded by ${described.digest ? 'the digest it was given' : 'its uri only'}`,
          );
          this.write(described, this.givenId(described), event, defaultType);
        },
      );
  }

  /** The external id of an artifact not identified by its files: its digest, else a new id. */
  private givenId(artifact: ArtifactRecord): string {
    return artifact.digest ? fitExternalId(String(artifact.digest), this.label) : `artifact:${randomUUID()}`;
  }

  private write(
    artifact: ArtifactRecord,
    externalId: string,
    event: EventTypeName,
    defaultType: string,
  ): void {
    const { target, label } = this;
    const type = artifact.type ?? defaultType;
    const node: ArtifactInput & { externalId: string } = {
      type,
      externalId,
      state: 'LIVE',
      customProperties: fitProperties(toProperties(artifact.properties ?? {}), label),
    };
    if (artifact.uri) node.uri = capString(redactString(stripUrlCredentials(artifact.uri)));
    if (artifact.name) {
      const name = fitName(redactString(String(artifact.name)), 'an artifact name', label, MAX_SUFFIXED_NAME);
      node.name = `${name}@${shortId(externalId)}`;
    }
    this.writer.enqueueNode({ kind: 'artifact', node });
    this.openLineage?.dataset(event === 'INPUT' ? 'input' : 'output', {
      externalId,
      type,
      ...(node.uri ? { uri: node.uri } : {}),
      properties: artifact.properties,
    });
    this.writer.enqueueEdges({
      types: typeDeclaration('artifact', type),
      events: [
        {
          artifact: { externalId },
          execution: { externalId: target.externalId },
          type: event,
          path: eventPath(artifact.role),
        },
      ],
      attributions: [
        { artifact: { externalId }, context: { externalId: target.experimentContextId } },
        ...(target.pipelineRunContextId
          ? [{ artifact: { externalId }, context: { externalId: target.pipelineRunContextId } }]
          : []),
      ],
      ...(typeof artifact.model === 'string' && artifact.model.trim() !== ''
        ? {
            modelVersions: [
              {
                model: fitName(
                  artifact.model.trim(),
                  'a model name',
                  label,
                  MAX_NAME_LENGTH - 'model:'.length,
                ),
                artifact: { externalId },
                ...(artifact.modelIsDefault ? { ifUnversioned: true } : {}),
              },
            ],
          }
        : {}),
    });
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      logger.warn(`${what} failed:`, error);
    }
  }
}
