/** The `mlmeta-server` bin: strict flags, clear refusals, and hash-token. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hashToken, parseTokens } from '@mlmeta/server';
import { describe, expect, it } from 'vitest';
import { SERVER_BIN } from './child-server.js';
import { tempDir } from './helpers.js';

const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [SERVER_BIN, ...args], { encoding: 'utf8', input, timeout: 30_000 });

describe('mlmeta-server command line', () => {
  it('exits 2 with the usage on a bad flag, a missing --store or a bad port', () => {
    for (const args of [
      ['--store', 'sqlite:x.db', '--prot', '1'],
      [],
      ['--store', 'sqlite:x.db', '--port', 'http'],
    ]) {
      const result = run(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage:');
    }
    expect(run(['--store', 'http://other:5858']).status).toBe(2);
  });

  it('exits 1 with advice when asked to bind a public address without tokens', () => {
    const { dir, cleanup } = tempDir();
    try {
      const result = run(['--store', `sqlite:${join(dir, 'x.db')}`, '--host', '0.0.0.0', '--port', '0']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/refusing to listen on 0\.0\.0\.0.*--tokens-file/s);
    } finally {
      cleanup();
    }
  });

  it('hash-token prints a tokens-file line on stdout and the token on stderr', () => {
    const result = run(['hash-token', '--name', 'ci', '--scope', 'write']);
    expect(result.status).toBe(0);
    const [entry] = parseTokens(result.stdout);
    const token = /token for "ci" \(write scope\): (mlm_\S+)/.exec(result.stderr)![1]!;
    expect(entry).toEqual({ name: 'ci', scope: 'write', sha256: hashToken(token) });
    expect(result.stdout).not.toContain(token);

    const fromStdin = run(['hash-token', '--name', 'ui', '--stdin'], 'my-own-token\n');
    expect(fromStdin.stdout.trim()).toBe(`ui:read:${hashToken('my-own-token')}`);
    expect(run(['hash-token', '--name', 'bad name!']).status).toBe(2);
    expect(run(['hash-token', '--name', 'x', '--scope', 'admin']).status).toBe(2);
  });
});
