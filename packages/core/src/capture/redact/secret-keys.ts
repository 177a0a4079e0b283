/**
 * Key names that mark their value as a secret: `apiKey`, `AWS_SECRET_ACCESS_KEY`, `--db-pass`,
 * `sslpassword`, `X-Amz-Signature`. A key is split into word parts (camelCase, `_`, `-`, `.`,
 * spaces), and a part is secret when it is a secret word, or a secret word glued to others
 * (`pgpassword`, `authtoken`, `clientsecret`). Single words that merely contain a secret word
 * (`keyboard`, `monkey`, `author`, `tokenizer`, `secretary`, `compass`) are not secret.
 */

export interface RedactOptions {
  /** Extra key names (matched as whole word parts, case-insensitive) to treat as secret. */
  extraSecretKeys?: string[];
}

const SECRET_PARTS = new Set([
  'token',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pass',
  'pwd',
  'passphrase',
  'apikey',
  'key',
  'credential',
  'credentials',
  'auth',
  'authorization',
  'authentication',
  'oauth',
  'private',
  'cookie',
  'sig',
  'signature',
  'jwt',
  'bearer',
]);

// Secret words glued into one lowercase part: anywhere for the unambiguous ones, as a suffix for
// the words that begin ordinary ones (`tokenizer`, `secretary`, `keyboard`).
const GLUED_SECRET =
  /passw(?:or)?d|passphrase|(?:token|secret|pwd|apikey)$|^(?:api|access|secret|private|signing|client|session|encryption|master|auth|account)(?:key|token|secret)s?$/;

const keyCache = new Map<string, boolean>();

function keyParts(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part.length > 0);
}

function secretPart(part: string, extra: string[] | undefined): boolean {
  return SECRET_PARTS.has(part) || GLUED_SECRET.test(part) || extra?.includes(part) === true;
}

/**
 * True when a key name marks its value as a secret.
 *
 * @example
 * isSecretKey('aws_secret_access_key'); // true
 * isSecretKey('PGPASSWORD');            // true
 * isSecretKey('keyboardLayout');        // false
 */
export function isSecretKey(key: string, options?: RedactOptions): boolean {
  if (options?.extraSecretKeys === undefined) {
    const cached = keyCache.get(key);
    if (cached !== undefined) return cached;
  }
  const extra = options?.extraSecretKeys?.map((k) => k.toLowerCase());
  // `PWD` alone is the shell's working directory; `MYSQL_PWD` and `--pwd` are passwords.
  const secret = key !== 'PWD' && keyParts(key).some((part) => secretPart(part, extra));
  if (extra === undefined) {
    // Text with many `name=value` pairs asks about the same few names over and over.
    if (keyCache.size >= 10_000) keyCache.clear();
    keyCache.set(key, secret);
  }
  return secret;
}
