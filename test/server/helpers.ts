/** Shared setup for the server tests: real servers on 127.0.0.1 over real SQLite files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateToken,
  type MlmetaServer,
  type ServerOptions,
  startServer,
  type TokenEntry,
} from '@mlmeta/server';

export interface TestTokens {
  entries: TokenEntry[];
  write: string;
  read: string;
}

export function makeTokens(): TestTokens {
  const write = generateToken('trainer', 'write');
  const read = generateToken('dashboard', 'read');
  return { entries: [write.entry, read.entry], write: write.token, read: read.token };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'mlmeta-server-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A listening server over a new SQLite file; its access log lines are collected in `lines`. */
export async function startTestServer(
  options: Partial<ServerOptions> = {},
): Promise<{ server: MlmetaServer; url: string; lines: string[]; dir: string; close: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const lines: string[] = [];
  const server = await startServer({
    store: `sqlite:${join(dir, 'mlmeta.db')}`,
    port: 0,
    logger: { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) },
    ...options,
  });
  return {
    server,
    url: server.url!,
    lines,
    dir,
    close: async () => {
      await server.close();
      cleanup();
    },
  };
}
