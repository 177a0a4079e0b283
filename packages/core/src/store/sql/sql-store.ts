/**
 * `MetadataStore` over any `SqlDriver`: the one implementation the SQLite and PostgreSQL
 * backends share. Writes run in one transaction each; reads run as one unit on the connection.
 */
import type { TypeKindName } from '../../model/enums.js';
import type {
  Artifact,
  Association,
  Attribution,
  Context,
  Event,
  Execution,
  LineageBatch,
  LineageBatchResult,
  MetricKeySummary,
  MetricPoint,
  MetricSeries,
  NodeRef,
  ParentContext,
  TypeDef,
  TypeInput,
} from '../../model/schemas.js';
import { isMlmetaError, MlmetaError } from '../errors.js';
import type {
  LineageGraph,
  LineageQuery,
  MetadataStore,
  MetricQuery,
  NodeQuery,
  Page,
  PutTypesOptions,
} from '../store.js';
import type { SqlDriver, SqlExecutor } from './driver.js';
import { getAssociations, getAttributions, getEvents, getParentContexts } from './edge-reader.js';
import { getLineage } from './lineage.js';
import { appendMetrics, executionId, getMetricKeys, getMetrics } from './metrics.js';
import type { MigrateResult } from './migrate.js';
import { getNode, queryNodes } from './node-reader.js';
import { putLineage } from './put-lineage.js';
import { type TypeDraft, TypeMemo } from './type-memo.js';
import { getType, getTypes, putTypes } from './types.js';
import { parseNodeRef } from './validate.js';

/** Database errors that are the caller's doing become typed errors; the rest stay INTERNAL. */
function translate(error: unknown): unknown {
  if (isMlmetaError(error)) return error;
  const e = error as { code?: string; message?: string };
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505') {
    return new MlmetaError(
      'ALREADY_EXISTS',
      `the write conflicts with an existing record (${e.message}); an external id or (type, name) is already taken by another node`,
      { cause: error },
    );
  }
  // PostgreSQL refuses a NUL character (and bytes it cannot encode) in any text, stored or compared.
  if (e?.code === '22021' || e?.code === '22P05') {
    return new MlmetaError(
      'INVALID_ARGUMENT',
      `a string holds a character PostgreSQL cannot store (${e.message}); remove NUL (\\u0000) characters from names, values and filters`,
      { cause: error },
    );
  }
  return new MlmetaError('INTERNAL', `store error: ${e?.message ?? String(error)}`, { cause: error });
}

export class SqlMetadataStore implements MetadataStore {
  /** Type work of committed batches, so a run's next batch does not redo it (type-memo.ts). */
  private readonly types = new TypeMemo();

  constructor(
    readonly uri: string,
    private readonly driver: SqlDriver,
    private readonly schema: MigrateResult = { extensions: true },
  ) {}

  private async read<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.driver.read(fn);
    } catch (error) {
      throw translate(error);
    }
  }

  private async write<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.driver.transaction(fn);
    } catch (error) {
      throw translate(error);
    }
  }

  async putTypes(types: TypeInput[], options?: PutTypesOptions): Promise<number[]> {
    // Options such as canDeleteFields change types in ways the memo does not follow.
    this.types.forget();
    try {
      return await this.write((db) => putTypes(db, types, options));
    } finally {
      this.types.forget();
    }
  }
  getTypes(kind?: TypeKindName): Promise<TypeDef[]> {
    return this.read((db) => getTypes(db, kind));
  }
  getType(kind: TypeKindName, name: string, version?: string): Promise<TypeDef | undefined> {
    return this.read((db) => getType(db, kind, name, version));
  }

  async putLineage(batch: LineageBatch): Promise<LineageBatchResult> {
    let draft: TypeDraft | undefined;
    const result = await this.write((db) => {
      // A fresh draft per attempt: a retried transaction must not inherit a rolled-back one.
      draft = this.types.draft();
      return putLineage(db, batch, Date.now(), draft);
    });
    this.types.commit(draft);
    return result;
  }

  getArtifacts(query?: NodeQuery): Promise<Page<Artifact>> {
    return this.read((db) => queryNodes(db, 'artifact', query));
  }
  getExecutions(query?: NodeQuery): Promise<Page<Execution>> {
    return this.read((db) => queryNodes(db, 'execution', query));
  }
  getContexts(query?: NodeQuery): Promise<Page<Context>> {
    return this.read((db) => queryNodes(db, 'context', query));
  }
  async getArtifact(ref: NodeRef): Promise<Artifact | undefined> {
    const parsed = await parseNodeRef(ref, 'artifact reference');
    return this.read((db) => getNode(db, 'artifact', parsed));
  }
  async getExecution(ref: NodeRef): Promise<Execution | undefined> {
    const parsed = await parseNodeRef(ref, 'execution reference');
    return this.read((db) => getNode(db, 'execution', parsed));
  }
  async getContext(ref: NodeRef): Promise<Context | undefined> {
    const parsed = await parseNodeRef(ref, 'context reference');
    return this.read((db) => getNode(db, 'context', parsed));
  }

  getEvents(query: { artifactIds?: number[]; executionIds?: number[] }): Promise<Event[]> {
    return this.read((db) => getEvents(db, query));
  }
  getAttributions(query: { artifactIds?: number[]; contextIds?: number[] }): Promise<Attribution[]> {
    return this.read((db) => getAttributions(db, query));
  }
  getAssociations(query: { executionIds?: number[]; contextIds?: number[] }): Promise<Association[]> {
    return this.read((db) => getAssociations(db, query));
  }
  getParentContexts(query: { childIds?: number[]; parentIds?: number[] }): Promise<ParentContext[]> {
    return this.read((db) => getParentContexts(db, query));
  }

  getLineage(query: LineageQuery): Promise<LineageGraph> {
    return this.read((db) => getLineage(db, query));
  }

  async appendMetrics(points: MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.write((db) => appendMetrics(db, points));
  }
  // A file only MLMD has written has no metric tables: its executions have no series.
  getMetricKeys(execution: NodeRef): Promise<MetricKeySummary[]> {
    if (!this.schema.extensions) {
      return this.read(async (db) => {
        await executionId(db, execution);
        return [];
      });
    }
    return this.read((db) => getMetricKeys(db, execution));
  }
  getMetrics(query: MetricQuery): Promise<MetricSeries> {
    if (!this.schema.extensions) {
      return this.read(async (db) => ({
        executionId: await executionId(db, query.execution),
        key: query.key,
        points: [],
        total: 0,
        downsampled: false,
      }));
    }
    return this.read((db) => getMetrics(db, query));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
