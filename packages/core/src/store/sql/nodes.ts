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
}

export const NODE_TABLES: Record<NodeKind, NodeTable> = {
  artifact: {
    kind: 'artifact',
    table: 'Artifact',
    propertyTable: 'ArtifactProperty',
    owner: 'artifact_id',
    typeKind: 1,
  },
  execution: {
    kind: 'execution',
    table: 'Execution',
    propertyTable: 'ExecutionProperty',
    owner: 'execution_id',
    typeKind: 0,
  },
  context: {
    kind: 'context',
    table: 'Context',
    propertyTable: 'ContextProperty',
    owner: 'context_id',
    typeKind: 2,
  },
};
