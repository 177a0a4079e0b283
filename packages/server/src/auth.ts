/**
 * Bearer tokens with a read or write scope (write implies read). Only SHA-256 hashes are kept,
 * in memory and on disk, so a leaked tokens file or heap dump does not leak a usable token;
 * presented tokens are hashed and compared in constant time against every entry.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MlmetaError } from '@mlmeta/core';
import { z } from 'zod';

/**
 * What a token may do: `read` the store and the UI, or also `write` (lineage batches, metrics).
 *
 * @example
 * const scope: TokenScope = 'write';
 */
export type TokenScope = 'read' | 'write';

/**
 * One accepted token, as a tokens file holds it: its name, scope and the SHA-256 of the token
 * (the token itself is never stored).
 *
 * @example
 * const entry: TokenEntry = { name: 'alice', scope: 'write', sha256: hashToken(token) };
 */
export interface TokenEntry {
  /** Shown in the access log instead of the token. */
  name: string;
  scope: TokenScope;
  /** Lower-case hex SHA-256 of the token. */
  sha256: string;
}

/** What a token name may look like (it appears in logs and in `name:scope:hash` lines). */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

const TokenEntrySchema = z
  .object({
    name: z.string().regex(TOKEN_NAME_PATTERN, 'use 1-64 characters from A-Z a-z 0-9 . _ @ -'),
    scope: z.enum(['read', 'write']),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (mlmeta-server hash-token prints it)')
      .transform((s) => s.toLowerCase()),
  })
  .strict();

const TokensJsonSchema = z.union([
  z.array(TokenEntrySchema),
  z.object({ tokens: z.array(TokenEntrySchema) }).transform((o) => o.tokens),
]);

/** Hex SHA-256 of a token: what a tokens file stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new random token and the tokens-file line that grants it.
 *
 * @example
 * const { token, line } = generateToken('ci', 'write');
 * // give `token` to the client (MLMETA_TOKEN); append `line` to the tokens file
 */
export function generateToken(
  name: string,
  scope: TokenScope,
): { token: string; entry: TokenEntry; line: string } {
  const token = `mlm_${randomBytes(32).toString('base64url')}`;
  const entry = TokenEntrySchema.parse({ name, scope, sha256: hashToken(token) });
  return { token, entry, line: `${entry.name}:${entry.scope}:${entry.sha256}` };
}

/**
 * Parses a tokens file: JSON (`[{name, scope, sha256}]` or `{tokens: [...]}`) or lines of
 * `name:scope:sha256` (blank lines and `#` comments ignored).
 *
 * @example
 * parseTokens('ci:write:9f86d0...\nui:read:2c26b4...');
 */
export function parseTokens(text: string, source = 'tokens file'): TokenEntry[] {
  const trimmed = text.trim();
  let entries: TokenEntry[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new MlmetaError('INVALID_ARGUMENT', `${source} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = TokensJsonSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MlmetaError(
        'INVALID_ARGUMENT',
        `${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}; expected [{"name","scope":"read"|"write","sha256"}]`,
      );
    }
    entries = parsed.data;
  } else {
    entries = [];
    for (const [index, raw] of trimmed.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [name, scope, sha256, ...rest] = line.split(':');
      const parsed = TokenEntrySchema.safeParse({ name, scope, sha256 });
      if (rest.length > 0 || !parsed.success) {
        throw new MlmetaError(
          'INVALID_ARGUMENT',
          `${source} line ${index + 1}: expected name:read|write:<sha256 hex> (${parsed.success ? 'too many fields' : parsed.error.issues[0]?.message})`,
        );
      }
      entries.push(parsed.data);
    }
  }
  const names = new Set<string>();
  for (const entry of entries) {
    if (names.has(entry.name)) {
      throw new MlmetaError('INVALID_ARGUMENT', `${source}: token name "${entry.name}" appears twice`);
    }
    names.add(entry.name);
  }
  return entries;
}

/** Reads and parses a tokens file (see parseTokens). */
export async function loadTokensFile(path: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `cannot read tokens file ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const entries = parseTokens(text, `tokens file ${path}`);
  // An empty file must not quietly start a server without auth.
  if (entries.length === 0) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `tokens file ${path} holds no tokens, so the server would accept anyone; add a line from \`mlmeta-server hash-token --name NAME --scope write\`, or leave out --tokens-file to run without tokens on 127.0.0.1`,
    );
  }
  return entries;
}

/** Checks presented tokens against the configured hashes. */
export class TokenVerifier {
  private readonly entries: { name: string; scope: TokenScope; hash: Buffer }[];

  constructor(entries: readonly TokenEntry[]) {
    this.entries = entries.map((e) => ({ name: e.name, scope: e.scope, hash: Buffer.from(e.sha256, 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The matching entry, or undefined. Every entry is compared, so timing does not reveal which one matched. */
  verify(token: string): { name: string; scope: TokenScope } | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let match: { name: string; scope: TokenScope } | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.hash) && match === undefined) {
        match = { name: entry.name, scope: entry.scope };
      }
    }
    return match;
  }
}
