/** Where each node kind lives in MLMD's tables, so one piece of SQL serves all three. */
import type { NodeKind } from '../store.js';

export interface NodeTable {
  kind: NodeKind;
  /** The node table, e.g. Artifact. */
  table: string;
  /** Its property table, e.g. ArtifactProperty. */
  propertyTable: string;
  /** The property table's owner column, e.g. artifact_id. */
  owner: string;
  /** MLMD's Type.type_kind for this kind. */
  typeKind: number;
  /** The node table's columns a node is read from, in MLMD's order; text columns flagged. */
  columns: readonly (readonly [name: string, text?: 'text'])[];
}

const NAME_AND_TIMES = [
  ['name', 'text'],
  ['external_id', 'text'],
  ['create_time_since_epoch'],
  ['last_update_time_since_epoch'],
] as const;

export const NODE_TABLES: Record<NodeKind, NodeTable> = {
  artifact: {
    kind: 'artifact',
    table: 'Artifact',
    propertyTable: 'ArtifactProperty',
    owner: 'artifact_id',
    typeKind: 1,
    columns: [['id'], ['type_id'], ['uri', 'text'], ['state'], ...NAME_AND_TIMES],
  },
  execution: {
    kind: 'execution',
    table: 'Execution',
    propertyTable: 'ExecutionProperty',
    owner: 'execution_id',
    typeKind: 0,
    columns: [['id'], ['type_id'], ['last_known_state'], ...NAME_AND_TIMES],
  },
  context: {
    kind: 'context',
    table: 'Context',
    propertyTable: 'ContextProperty',
    owner: 'context_id',
    typeKind: 2,
    columns: [['id'], ['type_id'], ...NAME_AND_TIMES],
  },
};
