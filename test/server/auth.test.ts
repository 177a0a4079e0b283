/**
 * Auth on every route, enumerated from the server itself: a route added later without thinking
 * about auth fails here. Plus tokens-file parsing, the loopback rule, and a log without secrets.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlmetaError, openStore } from '@mlmeta/core';
import { createServer, hashToken, parseTokens } from '@mlmeta/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTokens, startTestServer, type TestTokens, tempDir } from './helpers.js';

describe('token auth', () => {
  let running: Awaited<ReturnType<typeof startTestServer>>;
  let tokens: TestTokens;
  beforeAll(async () => {
    tokens = makeTokens();
    running = await startTestServer({ tokens: tokens.entries });
  });
  afterAll(() => running.close());

  const call = (method: string, url: string, token?: string) =>
    fetch(`${running.url}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: method === 'POST' ? '{}' : undefined,
    });

  it('only /healthz is public', () => {
    const publicRoutes = running.server.routes
      .filter((r) => r.access === 'public')
      .map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes.sort()).toEqual(['GET /healthz', 'HEAD /healthz']);
    expect(running.server.routes.length).toBeGreaterThan(30);
  });

  it('every other route: no token → 401, bad token → 401, read token on a write → 403, write token passes', async () => {
    const writeRoutes: string[] = [];
    for (const route of running.server.routes.filter((r) => r.access !== 'public')) {
      const name = `${route.method} ${route.url}`;
      const anonymous = await call(route.method, route.url);
      expect(anonymous.status, name).toBe(401);
      if (route.method !== 'HEAD') expect((await anonymous.json()).error.code, name).toBe('UNAUTHENTICATED');
      expect((await call(route.method, route.url, 'mlm_not-a-real-token')).status, name).toBe(401);
      const withRead = await call(route.method, route.url, tokens.read);
      if (route.access === 'write') {
        writeRoutes.push(name);
        expect(withRead.status, name).toBe(403);
      } else {
        expect([401, 403], name).not.toContain(withRead.status);
      }
      expect([401, 403], name).not.toContain((await call(route.method, route.url, tokens.write)).status);
    }
    // The routes that change the store; a new one must be added here on purpose.
    expect(writeRoutes.sort()).toEqual([
      'POST /api/v1/lineage',
      'POST /api/v1/lineage/batches',
      'POST /api/v1/metrics',
      'POST /api/v1/types',
    ]);
  });

  it('the HTTP store sends MLMETA_TOKEN and gets typed auth errors', async () => {
    const readOnly = await openStore(running.url, { token: tokens.read });
    await expect(readOnly.getTypes()).resolves.toBeInstanceOf(Array);
    await expect(readOnly.putTypes([{ kind: 'artifact', name: 'x.Thing' }])).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    const previous = process.env.MLMETA_TOKEN;
    process.env.MLMETA_TOKEN = tokens.write;
    try {
      const fromEnv = await openStore(running.url);
      await expect(fromEnv.putTypes([{ kind: 'artifact', name: 'x.Thing' }])).resolves.toHaveLength(1);
      delete process.env.MLMETA_TOKEN;
      const anonymous = await openStore(running.url);
      const error = await anonymous.getTypes().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MlmetaError);
      expect((error as MlmetaError).code).toBe('UNAUTHENTICATED');
    } finally {
      if (previous === undefined) delete process.env.MLMETA_TOKEN;
      else process.env.MLMETA_TOKEN = previous;
    }
  });

  it('the access log names tokens but never contains one, nor a query string', async () => {
    await call('GET', `/api/v1/artifacts?filter=${encodeURIComponent("name = 'secret-query'")}`, tokens.read);
    await call('GET', `/api/v1/types?token=${tokens.write}`, tokens.write);
    const log = running.lines.join('\n');
    expect(log).toContain('"token":"dashboard"');
    expect(log).toContain('"token":"trainer"');
    expect(log).toContain('"route":"/api/v1/artifacts"');
    for (const secret of [tokens.read, tokens.write, 'secret-query', 'Bearer'])
      expect(log).not.toContain(secret);
  });
});

describe('tokens files', () => {
  it('reads lines and JSON, hashes only, and rejects malformed entries with the line number', () => {
    const hash = hashToken('mlm_example');
    expect(parseTokens(`# team tokens\n\nci:write:${hash}\nui:read:${hash.toUpperCase()}\n`)).toEqual([
      { name: 'ci', scope: 'write', sha256: hash },
      { name: 'ui', scope: 'read', sha256: hash },
    ]);
    expect(
      parseTokens(JSON.stringify({ tokens: [{ name: 'ci', scope: 'read', sha256: hash }] })),
    ).toHaveLength(1);
    expect(() => parseTokens(`ci:admin:${hash}`)).toThrow(/line 1/);
    expect(() => parseTokens('ci:write:abc')).toThrow(/64 hex/);
    expect(() => parseTokens(`ci:write:${hash}\nci:read:${hash}`)).toThrow(/twice/);
    expect(() => parseTokens('[{"name":"ci"}]')).toThrow(MlmetaError);
  });

  it('a server started with --tokens-file accepts its tokens', async () => {
    const { dir, cleanup } = tempDir();
    const tokens = makeTokens();
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, tokens.entries.map((e) => `${e.name}:${e.scope}:${e.sha256}`).join('\n'));
    const running = await startTestServer({ tokensFile: file });
    try {
      const store = await openStore(running.url, { token: tokens.write });
      await expect(store.putTypes([{ kind: 'context', name: 'x.Exp' }])).resolves.toHaveLength(1);
      const res = await fetch(`${running.url}/api/v1/types`);
      expect(res.status).toBe(401);
    } finally {
      await running.close();
      cleanup();
    }
  });
});

describe('binding', () => {
  it('refuses a non-loopback address without tokens, and says what to do', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
        const attempt = createServer({ store: `sqlite:${join(dir, 'x.db')}`, host, port: 0, logger: false });
        await expect(attempt).rejects.toThrow(/--tokens-file.*--insecure/s);
      }
    } finally {
      cleanup();
    }
  });

  it('binds 0.0.0.0 with tokens, or with insecure', async () => {
    for (const extra of [{ tokens: makeTokens().entries }, { insecure: true }]) {
      const running = await startTestServer({ host: '0.0.0.0', ...extra });
      try {
        expect((await fetch(`http://127.0.0.1:${new URL(running.url).port}/healthz`)).status).toBe(200);
      } finally {
        await running.close();
      }
    }
  });

  it('defaults to 127.0.0.1', async () => {
    const running = await startTestServer({ host: undefined });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await running.close();
    }
  });
});
