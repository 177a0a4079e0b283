/**
 * Redaction: the last gate before anything reaches a store or a log. Three independent nets,
 * because each misses what the others catch:
 *  1. key names (`apiKey`, `AWS_SECRET_ACCESS_KEY`, `--token`) → the whole value is replaced;
 *  2. URL userinfo (`https://user:tok@host`) → replaced by `***`;
 *  3. value shapes (known token formats, PEM blocks, long high-entropy runs) anywhere in text.
 * Redaction prefers false positives: a hyperparameter wrongly hidden is an annoyance, a leaked
 * key is an incident.
 */

export const REDACTED = '[REDACTED]';

export interface RedactOptions {
  /** Extra key names (matched as whole word parts, case-insensitive) to treat as secret. */
  extraSecretKeys?: string[];
}

// Word parts that make a key secret. Matched against the key split at camelCase, `_`, `-`,
// `.` and spaces, so `privateKey` and `api-key` match while `keyboard`, `monkey` and `author`
// (single parts that merely contain a secret word) do not.
const SECRET_PARTS = new Set([
  'token',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
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
]);

// The same words glued into one lowercase part (`apikey`, `accesstoken`, `authtoken`).
const GLUED_SECRET =
  /^(?:api|access|secret|private|signing|client|session|encryption|master|auth)(?:key|token|secret)$|^(?:access|refresh|auth|id|bearer|session|csrf|xsrf)token$/;

const keyCache = new Map<string, boolean>();

function keyParts(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part.length > 0);
}

/**
 * True when a key name marks its value as a secret.
 *
 * @example
 * isSecretKey('aws_secret_access_key'); // true
 * isSecretKey('keyboardLayout');        // false
 */
export function isSecretKey(key: string, options?: RedactOptions): boolean {
  if (options?.extraSecretKeys === undefined) {
    const cached = keyCache.get(key);
    if (cached !== undefined) return cached;
  }
  const extra = options?.extraSecretKeys?.map((k) => k.toLowerCase());
  const secret = keyParts(key).some(
    (part) => SECRET_PARTS.has(part) || GLUED_SECRET.test(part) || extra?.includes(part) === true,
  );
  if (extra === undefined) {
    // Text with many `name=value` pairs asks about the same few names over and over.
    if (keyCache.size >= 10_000) keyCache.clear();
    keyCache.set(key, secret);
  }
  return secret;
}

/**
 * Removes the userinfo (user and password or token) from a URL, keeping the rest intact.
 * Used for identities such as git remotes, where the same repository cloned with and without
 * a token must give the same string. Non-URL strings (scp-style `git@host:repo`) are returned
 * unchanged: their user part is an account name, not a credential.
 *
 * @example
 * stripUrlCredentials('https://x-access-token:ghs_abc@github.com/o/r.git'); // 'https://github.com/o/r.git'
 */
export function stripUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, '$1');
}

// Token formats with a recognisable shape; each match is replaced whole.
const TOKEN_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
];

const SCHEMES = 'Bearer|Basic|Token|Digest|Negotiate|NTLM|ApiKey|AWS4-HMAC-SHA256';

// An Authorization header's credentials, with or without a scheme word before them.
const AUTH_HEADER = new RegExp(
  `\\b(authorization["']?\\s*[:=]\\s*["']?)(?:(${SCHEMES})(\\s+))?([^\\s"',;]+)`,
  'gi',
);

// `Bearer <token>` / `Basic <base64>` outside a header (curl lines, code). The credential must
// contain a digit or symbol, so that prose ("basic training", "bearer bonds") survives.
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)(?=[\w.~+/=-]*[0-9.~+/=-])[\w.~+/=-]{8,}/gi;

// userinfo with a password part; user-only userinfo (`ssh://git@host`) is an account name.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^/?#\s@:]*:[^/?#\s@]*@/gi;

// `name=value`, `name: value`, `"name": "value"`, `--name=value`: the value is redacted when
// the name is secret. Quoted values may contain spaces. Names start at a word boundary and are
// bounded so that a megabyte-long word cannot make the match quadratic.
const ASSIGNMENT = new RegExp(
  String.raw`(?<![\w.-])(["']?)(-{0,2}[A-Za-z_][\w.-]{0,80})\1(\s*[=:]\s*)(?:"([^"]*)"|'([^']*)'|(\[REDACTED\]|(?:${SCHEMES})\s+\[REDACTED\])|([^\s"'&,;}\])]+))`,
  'g',
);

// Every secret key name contains one of these; text without any skips the ASSIGNMENT pass,
// whose per-match callback dominates the cost of redacting large texts.
const SECRET_WORD_HINT = /token|secret|passw|passphrase|key|credential|auth|private|cookie/i;

// AWS secret access keys are 40 base64 chars with no prefix: only their context gives them away.
const AWS_SECRET_IN_CONTEXT =
  /(aws.{0,30}?(?:secret|key).{0,10}?[=:"'\s]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi;

// Candidate runs for the entropy check. `/` and `.` end a run so that paths and hostnames are
// judged segment by segment.
const LONG_RUN = /[A-Za-z0-9+=_-]{32,}/g;

// Digests mlmeta records itself (`xxh3:…`, `sha256:…`, SRI-style `sha512-…`) are not secrets.
const DIGEST_NAME = '(?:xxh3|xxh64|xxh128|sha1|sha224|sha256|sha384|sha512|md5)';
const DIGEST_BEFORE = new RegExp(`${DIGEST_NAME}[:-]$`, 'i');
const DIGEST_START = new RegExp(`^${DIGEST_NAME}[-_]`, 'i');

// A standalone 40-character base64 run is the shape of an AWS secret access key; `/` is part
// of it, so the LONG_RUN check (which splits at `/`) would miss it.
const AWS_SECRET_SHAPE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function shannonEntropy(text: string): number {
  // Runs are ASCII by construction (LONG_RUN, AWS_SECRET_SHAPE), so char codes index directly.
  const counts = new Uint32Array(128);
  for (let i = 0; i < text.length; i++) counts[text.charCodeAt(i) & 127]!++;
  let bits = 0;
  for (const n of counts) {
    if (n === 0) continue;
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A run looks like a random secret when it mixes upper case, lower case and digits and its
 * per-character entropy is high. Pure hex (git SHAs, digests, UUIDs) can never exceed 4 bits
 * per character and is deliberately kept: hex secrets are caught by their key names instead.
 */
function looksRandom(run: string): boolean {
  if (!/[a-z]/.test(run) || !/[A-Z]/.test(run) || !/[0-9]/.test(run)) return false;
  return shannonEntropy(run) >= 4.2;
}

/**
 * Replaces secrets embedded in free text: `key=value` pairs with secret names, URL passwords,
 * known token formats, PEM private keys and long high-entropy runs.
 *
 * @example
 * redactString('curl -H "Authorization: Bearer eyJhbGciOi..." https://u:p@host');
 * // 'curl -H "Authorization: Bearer [REDACTED]" https://***@host'
 */
export function redactString(text: string, options?: RedactOptions): string {
  if (text.length === 0) return text;
  let out = text;
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
  out = out.replace(
    AUTH_HEADER,
    (_m, head: string, scheme?: string, space?: string) =>
      `${head}${scheme ? scheme + space : ''}${REDACTED}`,
  );
  out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  out = out.replace(URL_USERINFO, '$1***@');
  out = out.replace(AWS_SECRET_IN_CONTEXT, (_m, context: string) => `${context}${REDACTED}`);
  const mayNameSecret =
    SECRET_WORD_HINT.test(out) ||
    options?.extraSecretKeys?.some((k) => out.toLowerCase().includes(k.toLowerCase()));
  if (mayNameSecret) out = redactAssignments(out, options);
  out = out.replace(AWS_SECRET_SHAPE, (run: string) => (looksRandom(run) ? REDACTED : run));
  out = out.replace(LONG_RUN, (run: string, offset: number, whole: string) => {
    if (DIGEST_START.test(run) || DIGEST_BEFORE.test(whole.slice(Math.max(0, offset - 8), offset)))
      return run;
    return looksRandom(run) ? REDACTED : run;
  });
  return out;
}

/**
 * Redact the values of secret-named assignments. A bare value under a harmless name may itself
 * hold an assignment (`Error: token=abc`, `msg: password=x`): it is searched again, so the outer
 * match cannot swallow the secret one. Each pass works on a strictly shorter text.
 */
function redactAssignments(text: string, options: RedactOptions | undefined): string {
  return text.replace(
    ASSIGNMENT,
    (
      match: string,
      quote: string,
      name: string,
      sep: string,
      dq?: string,
      sq?: string,
      done?: string,
      bare?: string,
    ) => {
      // `done`: an earlier net already redacted this value (possibly after an auth scheme).
      const value = dq ?? sq ?? bare ?? '';
      if (done !== undefined || value.length === 0) return match;
      if (!isSecretKey(name, options)) {
        return bare !== undefined && /[=:]/.test(bare)
          ? `${quote}${name}${quote}${sep}${redactAssignments(bare, options)}`
          : match;
      }
      const q = dq !== undefined ? '"' : sq !== undefined ? "'" : '';
      return `${quote}${name}${quote}${sep}${q}${REDACTED}${q}`;
    },
  );
}

const FLAG = /^-{1,2}([A-Za-z_][\w.-]*)$/;

function redactArray(items: unknown[], options: RedactOptions | undefined, seen: WeakMap<object, unknown>) {
  const out: unknown[] = [];
  seen.set(items, out);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out.push(redactValue(item, options, seen));
    // argv style: `--token <value>` puts the secret in the next element.
    const flag = typeof item === 'string' ? FLAG.exec(item) : null;
    if (flag && isSecretKey(flag[1]!, options) && i + 1 < items.length) {
      const next = items[i + 1];
      if (typeof next !== 'string' || !next.startsWith('-')) {
        out.push(REDACTED);
        i++;
      }
    }
  }
  return out;
}

function redactSecretValue(value: unknown): unknown {
  // A boolean or null under a secret name (`auth: false`) carries no secret and keeps its meaning.
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  return REDACTED;
}

function redactValue(
  value: unknown,
  options: RedactOptions | undefined,
  seen: WeakMap<object, unknown>,
): unknown {
  if (typeof value === 'string') return redactString(value, options);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) return redactArray(value, options, seen);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date) return value;
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) {
      const secret = typeof k === 'string' && isSecretKey(k, options);
      out.set(k, secret ? redactSecretValue(v) : redactValue(v, options, seen));
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const v of value) out.add(redactValue(v, options, seen));
    return out;
  }
  if (value instanceof Error) {
    const out = new Error(redactString(value.message, options));
    out.name = value.name;
    out.stack = value.stack === undefined ? undefined : redactString(value.stack, options);
    seen.set(value, out);
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k, options) ? redactSecretValue(v) : redactValue(v, options, seen);
  }
  return out;
}

/**
 * A deep copy of `value` with secrets replaced by '[REDACTED]': values under secret key names
 * (objects, arrays, Maps), argv-style `--token <value>` pairs, and secrets inside strings.
 * Typed arrays and Dates are kept by reference; cycles are preserved.
 *
 * @example
 * redact({ lr: 0.01, openaiApiKey: 'sk-...' }); // { lr: 0.01, openaiApiKey: '[REDACTED]' }
 */
export function redact<T>(value: T, options?: RedactOptions): T {
  return redactValue(value, options, new WeakMap()) as T;
}
