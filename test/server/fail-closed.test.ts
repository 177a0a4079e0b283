/**
 * The server fails closed: a tokens file without tokens is a startup error; a request whose Host
 * is not the server's own (what a DNS-rebinding page sends) is refused before anything else;
 * the UI's session cookie counts only on requests from the server's own origin. Real servers,
 * real HTTP requests with the headers a browser would send.
 */

import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startServer } from '@mlmeta/server';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer } from './child-server.js';
import { makeTokens, startTestServer, tempDir } from './helpers.js';

interface Answer {
  status: number;
  body: string;
}

/** One request with exactly the headers given (fetch cannot set Host). */
function send(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: Number(port), path, method, headers, setHost: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const REBIND = 'rebind.attacker.example';
const batch = JSON.stringify({
  types: [{ kind: 'context', name: 'rebind.Ctx' }],
  contexts: [{ type: 'rebind.Ctx', name: 'written-by-rebinding' }],
});

describe('tokens file', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it.each([
    ['only comments', '# nobody yet\n\n# add lines from hash-token\n'],
    ['an empty JSON list', '[]'],
    ['an empty tokens object', '{"tokens": []}'],
    ['an empty file', ''],
  ])('with %s is a startup error', async (_what, text) => {
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, text);
    await expect(
      startServer({ store: `sqlite:${join(dir, 'm.db')}`, port: 0, tokensFile: file, logger: false }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/holds no tokens/) });
  });

  it('the bin exits 1 and says so', async () => {
    const file = join(dir, 'empty.txt');
    writeFileSync(file, '# none\n');
    await expect(
      spawnServer(['--store', `sqlite:${join(dir, 'bin.db')}`, '--port', '0', '--tokens-file', file]),
    ).rejects.toThrow(/exited with 1.*holds no tokens/s);
  });
});

describe('Host check (DNS rebinding)', () => {
  it(`refuses Host: ${REBIND} on every kind of route, before auth; accepts its own names`, async () => {
    const server = await startTestServer({ ui: true });
    try {
      const { port } = new URL(server.url);
      const json = { 'content-type': 'application/json' };
      for (const [method, path, body] of [
        ['POST', '/api/v1/lineage/batches', batch],
        ['GET', '/api/v1/contexts', undefined],
        ['GET', '/api/v1/ui/runs', undefined],
        ['GET', '/healthz', undefined],
        ['GET', '/', undefined],
      ] as const) {
        const refused = await send(server.url, path, { host: `${REBIND}:${port}`, ...json }, method, body);
        expect(refused.status, `${method} ${path}`).toBe(403);
        expect(JSON.parse(refused.body)).toMatchObject({
          error: { code: 'PERMISSION_DENIED', message: expect.stringContaining('--allowed-host') },
        });
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
        expect((await send(server.url, '/api/v1/contexts', { host })).status, host).toBe(200);
      }
      // Node itself refuses an HTTP/1.1 request without Host (400).
      expect((await send(server.url, '/api/v1/contexts', {})).status).toBe(400);
      expect((await send(server.url, '/api/v1/contexts', { host: 'a b' })).status).toBe(403);
      const contexts = await server.server.store.getContexts({ name: 'written-by-rebinding' });
      expect(contexts.items).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('accepts the names given with allowedHosts (--allowed-host on the bin)', async () => {
    const { dir, cleanup } = tempDir();
    const port = await freePort();
    const child = await spawnServer([
      '--store',
      `sqlite:${join(dir, 'm.db')}`,
      '--port',
      String(port),
      '--allowed-host',
      'mlmeta.internal',
      '--allowed-host',
      'Other.Example',
    ]);
    try {
      const url = `http://127.0.0.1:${port}`;
      expect((await send(url, '/api/v1/contexts', { host: `mlmeta.internal:${port}` })).status).toBe(200);
      expect((await send(url, '/api/v1/contexts', { host: 'other.example' })).status).toBe(200);
      expect((await send(url, '/api/v1/contexts', { host: `${REBIND}:${port}` })).status).toBe(403);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
      cleanup();
    }
  });
});

describe('session cookie and Origin', () => {
  it('counts only on requests from the server’s own origin', async () => {
    const tokens = makeTokens();
    const server = await startTestServer({ ui: true, tokens: tokens.entries });
    try {
      const { host } = new URL(server.url);
      const cookie = `mlmeta_session=${encodeURIComponent(tokens.read)}`;
      const get = (headers: Record<string, string>) =>
        send(server.url, '/api/v1/ui/runs', { host, cookie, ...headers });
      expect((await get({})).status).toBe(200);
      expect((await get({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await get({ origin: server.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      const crossSite = await get({ origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      expect(JSON.parse(crossSite.body)).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
      expect((await get({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await get({ origin: 'null' })).status).toBe(403);
      // A bearer token is not something a browser attaches on its own: no Origin rule for it.
      const bearer = await send(server.url, '/api/v1/contexts', {
        host,
        authorization: `Bearer ${tokens.read}`,
        origin: 'http://evil.example',
      });
      expect(bearer.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
