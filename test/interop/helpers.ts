/** Shared setup for the interop suites: temp SQLite files and what MLMD's client reads back. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython } from './python.js';

/** A property value as MLMD's client sees it: its kind and value (non-finite numbers named). */
export type MlmdValue = Partial<
  Record<'INT' | 'DOUBLE' | 'STRING' | 'STRUCT' | 'PROTO' | 'BOOLEAN', unknown>
>;

export interface MlmdNode {
  id: number;
  type: string;
  name?: string;
  external_id?: string;
  uri?: string;
  state?: string;
  last_known_state?: string;
  properties: Record<string, MlmdValue>;
  custom_properties: Record<string, MlmdValue>;
}

export interface MlmdType {
  id: number;
  name: string;
  version?: string;
  base_type?: string;
  properties: Record<string, string>;
}

export interface MlmdDump {
  artifact_types: MlmdType[];
  execution_types: MlmdType[];
  context_types: MlmdType[];
  artifacts: MlmdNode[];
  executions: MlmdNode[];
  contexts: MlmdNode[];
  events: {
    artifact_id: number;
    execution_id: number;
    type: string;
    path: ({ index: number } | { key: string })[];
  }[];
  attributions: [number, number][];
  associations: [number, number][];
  parent_contexts: [number, number][];
}

/** Where MLMD's client connects: a SQLite file, or a PostgreSQL database (schema public). */
export type MlmdStore =
  | { sqlite: string }
  | { postgres: { host: string; port: number; user: string; dbname: string } };

/** Everything MLMD's own client reads from `store`. */
export function mlmdDump(store: MlmdStore, env: NodeJS.ProcessEnv = {}): Promise<MlmdDump> {
  return runPython<MlmdDump>('mlmd_dump.py', { store }, env);
}

/** A fresh temporary directory with a path for a SQLite file in it. */
export function tempStoreFile(prefix = 'mlmeta-interop-'): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { file: join(dir, 'mlmd.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const byExternalId = (nodes: MlmdNode[], externalId: string): MlmdNode => {
  const node = nodes.find((n) => n.external_id === externalId);
  if (!node) throw new Error(`MLMD did not return the node with external_id ${externalId}`);
  return node;
};
