/**
 * End to end: a corpus of planted secrets (canaries) goes in through every door a user has
 * (tracker calls with names, keys, URIs and roles; process argv and allowlisted environment
 * variables under the preload hook; a real git repository with a dirty diff), and no canary may
 * come out in any byte mlmeta leaves behind: the SQLite files (WAL included), a dump of every
 * text column on PostgreSQL, the spool and quarantine files, and every line the process printed.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres, testSchema } from '../../packages/core/test/support/postgres.js';
import { assertBuilt, type Outcome, REGISTER, root, run } from '../node-hooks/helpers.js';
import { type Canary, secretCorpus, survivors } from './corpus.js';

const canaries = secretCorpus();
const keep = survivors();
const pgProbe = await probePostgres('the secret corpus');

/** The bytes of every file under `dir`, as one latin1 string (canaries are ASCII). */
function bytesUnder(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out += statSync(path).isDirectory() ? bytesUnder(path) : `${readFileSync(path).toString('latin1')}\n`;
  }
  return out;
}

// STRUCT properties are stored in MLMD's encoding (`mlmd-struct::` + base64 of a protobuf),
// whose strings are not readable in the raw bytes: they are decoded and scanned as well.
const STRUCT = /mlmd-struct::([A-Za-z0-9+/=]+)/g;
const withStructsDecoded = (text: string) =>
  text + [...text.matchAll(STRUCT)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1')).join('\n');

/** Every value of every column of every table of a SQLite file, as text. */
function sqliteDump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    let out = '';
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const value of Object.values(row))
          out += `${Buffer.isBuffer(value) ? value.toString('latin1') : String(value)}\n`;
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** A canary leaks when its secret, or the middle of a long one, is found. */
function leaked(haystack: string): string[] {
  return canaries
    .filter(({ secret }) => {
      const mid = Math.floor(secret.length / 2);
      const core = secret.length >= 16 ? secret.slice(mid - 6, mid + 6) : secret;
      return haystack.includes(secret) || haystack.includes(core);
    })
    .map((c) => c.id);
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A repository whose committed files are then rewritten with the corpus's config canaries. */
function repositoryWithDirtyDiff(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'corpus@example.com');
  git(dir, 'config', 'user.name', 'corpus');
  const files = new Map<string, string>();
  for (const { plant } of canaries) {
    if (plant.via === 'gitFile') files.set(plant.file, (files.get(plant.file) ?? '') + plant.text);
  }
  for (const file of files.keys()) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), '# placeholder\n');
  }
  copyFileSync(join(root, 'test/redaction/fixtures/plant.mjs'), join(dir, 'plant.mjs'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  for (const [file, text] of files) writeFileSync(join(dir, file), text);
  const remote = canaries.find((c) => c.plant.via === 'gitRemote')!.plant as { url: string };
  git(dir, 'remote', 'add', 'origin', remote.url);
  return git(dir, 'rev-parse', 'HEAD');
}

function plantedProcess() {
  const env: Record<string, string> = {};
  const args: string[] = [];
  for (const { plant } of canaries) {
    if (plant.via === 'env') env[plant.name] = plant.value;
    if (plant.via === 'argv') args.push(...plant.args);
  }
  env.MLMETA_ENV_ALLOWLIST = Object.keys(env).join(',');
  return { env, args };
}

let work: string;
let repo: string;
let head: string;
let plan: string;
const printed: string[] = [];

async function plantInto(store: string, spoolDir: string, disabled = 'hardware'): Promise<Outcome> {
  const { env, args } = plantedProcess();
  const outcome = await run(['--import', REGISTER], join(repo, 'plant.mjs'), [plan, ...args], {
    ...env,
    MLMETA_STORE: store,
    MLMETA_SPOOL_DIR: spoolDir,
    MLMETA_CAPTURE_DISABLED: disabled,
    MLMETA_LOG_LEVEL: 'debug',
    MLMETA_TEST_CORE: pathToFileURL(join(root, 'packages/core/dist/index.js')).href,
  });
  printed.push(outcome.stdout, outcome.stderr);
  writeFileSync(join(work, `${printed.length / 2}.log`), `${outcome.stdout}\n${outcome.stderr}`);
  expect(outcome.stdout, outcome.stderr).toContain('planted');
  return outcome;
}

beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'mlmeta-corpus-'));
  repo = join(work, 'repo');
  head = repositoryWithDirtyDiff(repo);
  plan = join(work, 'plan.json');
  writeFileSync(plan, JSON.stringify({ canaries, survivors: keep }));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the secret corpus', () => {
  it('holds at least 150 canaries across the shapes of finding 3 and the token formats', () => {
    expect(canaries.length).toBeGreaterThanOrEqual(150);
    expect(new Set(canaries.map((c) => c.id)).size).toBe(canaries.length);
    expect(new Set(canaries.map((c) => c.secret)).size).toBe(canaries.length);
    const vias = new Set(canaries.map((c) => c.plant.via));
    expect(vias.size).toBe(17);
  });

  it('reaches no byte of the SQLite files (WAL included), and digests and commit SHAs survive', async () => {
    const dir = join(work, 'sqlite');
    await plantInto(`sqlite:${join(dir, 'store', 'mlmeta.db')}`, join(dir, 'spool'));
    const bytes = bytesUnder(dir) + withStructsDecoded(sqliteDump(join(dir, 'store', 'mlmeta.db')));
    expect(leaked(bytes)).toEqual([]);
    expect(bytes).toContain(keep.digest);
    expect(bytes).toContain(keep.commitParam);
    expect(bytes).toContain(keep.uuid);
    expect(bytes).toContain(head);
    // The canaries did reach mlmeta: the harmless names around them were recorded, and every run.
    for (const witness of witnesses(canaries)) expect(bytes, witness).toContain(witness);
    const db = new Database(join(dir, 'store', 'mlmeta.db'), { readonly: true });
    try {
      const runs = canaries.filter((c) => ['runName', 'experiment', 'error'].includes(c.plant.via)).length;
      expect(db.prepare('SELECT count(*) AS n FROM Execution').get()).toEqual({ n: runs + 1 });
    } finally {
      db.close();
    }
  });

  it('reaches no spool or quarantine file when the store is down', async () => {
    const dir = join(work, 'spooled');
    await plantInto('http://127.0.0.1:9', join(dir, 'spool'));
    const bytes = withStructsDecoded(bytesUnder(dir));
    expect(bytes.length).toBeGreaterThan(1000);
    expect(leaked(bytes)).toEqual([]);
    expect(bytes).toContain(keep.digest);
  });

  describe.skipIf(pgProbe.skip)('on PostgreSQL', () => {
    const schema = testSchema('corpus');
    afterAll(() => schema.drop());

    it('reaches no text column of any table', async () => {
      // Without the environment capture: PostgreSQL's btree index on string property values
      // refuses values over 2,704 bytes, and the environment (with its diff) is one. The argv,
      // environment and git canaries are checked on SQLite and in the spool above.
      await plantInto(schema.uri, join(work, 'pg-spool'), 'hardware,git,packages,system');
      const client = new pg.Client({ connectionString: pgProbe.url });
      await client.connect();
      let dump = '';
      try {
        const { rows } = await client.query<{ table_name: string; column_name: string }>(
          `SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = $1 AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')`,
          [schema.name],
        );
        expect(rows.length).toBeGreaterThan(10);
        for (const { table_name, column_name } of rows) {
          const result = await client.query(
            `SELECT ${pg.escapeIdentifier(column_name)}::text AS v FROM ${pg.escapeIdentifier(schema.name)}.${pg.escapeIdentifier(table_name)}`,
          );
          for (const row of result.rows) dump += `${row.v}\n`;
        }
      } finally {
        await client.end();
      }
      dump = withStructsDecoded(dump);
      expect(leaked(dump)).toEqual([]);
      expect(dump).toContain(keep.digest);
    });
  });

  it('reaches no line mlmeta printed', () => {
    const lines = printed.join('\n');
    expect(lines).toContain('[mlmeta]');
    expect(leaked(lines)).toEqual([]);
  });
});

/** Names recorded next to canaries, proving each channel carried its canary into mlmeta. */
function witnesses(list: Canary[]): string[] {
  const out = new Set<string>();
  for (const { plant } of list) {
    if (plant.via === 'param') out.add(`param.${plant.name}`);
    if (plant.via === 'tag') out.add(`tag.${plant.name}`);
    if (plant.via === 'env') out.add(plant.name);
    if (plant.via === 'gitFile') out.add(`b/${plant.file}`);
    if (plant.via === 'argv' && plant.args.length === 2) out.add(plant.args[0]!);
  }
  return [...out];
}
