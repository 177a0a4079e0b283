/**
 * The commands `mlmeta --help` lists, and the module that defines each in full. A command's
 * module (and with it @mlmeta/core, the store drivers, the server) loads only when that command
 * runs, so `mlmeta --help` and `mlmeta --version` start about as fast as node itself. `term` and
 * `description` are what the full definitions say (test/cli/lazy-commands.test.ts checks).
 */
import type { Command } from 'commander';
import type { Io } from '../context.js';
import type { Action } from './action.js';

/** Adds a command, fully defined, to the program. */
export type Register = (program: Command, action: Action, io: Io) => void;

export interface CommandEntry {
  name: string;
  /** The command as the help lists it: name, `[options]`, arguments. */
  term: string;
  description: string;
  load: () => Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'runs',
    term: 'runs [options]',
    description:
      'list runs, newest first: state (LOST for dead runs), start, duration, and the params and final metrics that differ between them',
    load: async () => (await import('./runs.js')).registerRuns,
  },
  {
    name: 'show',
    term: 'show <run|artifact>',
    description:
      'one run (params, metrics, datasets, outputs, evaluations of its models, environment, hardware, failure) or one artifact (digest, uri, statistics, signature, versions, producer, consumers)',
    load: async () => (await import('./show.js')).registerShow,
  },
  {
    name: 'lineage',
    term: 'lineage [options] <target>',
    description: 'the lineage of an artifact, a run or a file (hashed like the integrations do) as a tree',
    load: async () => (await import('./lineage.js')).registerLineage,
  },
  {
    name: 'trace',
    term: 'trace <file>',
    description:
      'hash a model or data file and say where it came from: run, datasets, params, code; if it changed since it was recorded, which run recorded the older content',
    load: async () => (await import('./trace.js')).registerTrace,
  },
  {
    name: 'diff',
    term: 'diff <runA> <runB>',
    description: 'two runs side by side: params, environment, datasets, final metrics; differences marked ≠',
    load: async () => (await import('./diff.js')).registerDiff,
  },
  {
    name: 'deployed',
    term: 'deployed [options]',
    description:
      'which version of which model is served where, since when (live, then ended), and which run produced it',
    load: async () => (await import('./deployed.js')).registerDeployed,
  },
  {
    name: 'models',
    term: 'models [name]',
    description:
      'model names and their versions (1, 2, 3 … in save order): the run and data behind each, where each is served, aliases',
    load: async () => (await import('./models.js')).registerModels,
  },
  {
    name: 'model',
    term: 'model',
    description: 'manage model names',
    load: async () => (await import('./models.js')).registerModel,
  },
  {
    name: 'derive',
    term: 'derive [options] <output>',
    description:
      'declare that <output> was made from --from files by a step mlmeta did not see (a converter, a tool)',
    load: async () => (await import('./derive.js')).registerDerive,
  },
  {
    name: 'sync',
    term: 'sync [options]',
    description: 'replay the local spool into the store (progress bar on a terminal)',
    load: async () => (await import('./sync.js')).registerSync,
  },
  {
    name: 'gc',
    term: 'gc [options]',
    description: 'mark artifacts whose local files (absolute paths, file:// uris) are gone as DELETED',
    load: async () => (await import('./gc.js')).registerGc,
  },
  {
    name: 'export',
    term: 'export [options]',
    description:
      'write the whole store, or the lineage around one node, as versioned JSON (mlmeta.export v1)',
    load: async () => (await import('./exchange.js')).registerExport,
  },
  {
    name: 'import',
    term: 'import <file>',
    description: 'import an export file; idempotent: importing it twice changes nothing',
    load: async () => (await import('./exchange.js')).registerImport,
  },
  {
    name: 'watch',
    term: 'watch [options]',
    description: 'print, or act on, each new artifact or execution as it is recorded',
    load: async () => (await import('./watch.js')).registerWatch,
  },
  {
    name: 'server',
    term: 'server [args...]',
    description:
      'serve the HTTP API over a store (flags as mlmeta-server; `mlmeta server --help` lists them)',
    load: async () => (await import('./server.js')).registerServer,
  },
  {
    name: 'ui',
    term: 'ui [options]',
    description: 'browse the store in the web UI (read-only, on 127.0.0.1); prints the URL',
    load: async () => (await import('./ui.js')).registerUi,
  },
];
