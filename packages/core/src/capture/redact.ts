/**
 * Redaction: the last gate before anything reaches a store, the spool or a log (the writer runs
 * every outgoing batch through it, see writer/redact-batch.ts). Independent nets, because each
 * misses what the others catch:
 *  1. key names (`apiKey`, `PGPASSWORD`, `--db-pass`, `sig=`) → the whole value is replaced,
 *     in objects, `name=value` text, argv arrays and `--flag value` inside one string;
 *  2. URL credentials (`https://user:tok@host`, a token as the URL's user) → `***`, and
 *     incoming-webhook URLs, which are credentials as a whole;
 *  3. value shapes anywhere in text: token formats (secretlint's maintained rules and gitleaks'
 *     formats, redact/token-rules.ts), PEM blocks, JWTs, long high-entropy runs.
 * Redaction prefers false positives: a hyperparameter wrongly hidden is an annoyance, a leaked
 * key is an incident.
 */

export const REDACTED = '[REDACTED]';

import { setOwn } from '../model/own-property.js';
import { isSecretKey, type RedactOptions } from './redact/secret-keys.js';
import { type Range, tokenRanges } from './redact/token-rules.js';

export { isSecretKey, type RedactOptions } from './redact/secret-keys.js';

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

// Over HTTP(S) a user with no password is how tokens travel (`https://<token>@github.com`).
const URL_TOKEN_USER = /\b((?:https?|git\+https|wss?|ftps?):\/\/)[^/?#\s@:]+@/gi;

// Incoming-webhook URLs on any host (Mattermost, Rocket.Chat, self-hosted relays): the path
// after `/hooks/` is the credential. Known webhook hosts are token rules.
const WEBHOOK_PATH = /(\bhttps?:\/\/[^\s/?#]+(?:\/[^\s/?#]+)*?\/(?:hooks|webhooks?|webhookb2)\/)[^\s"'<>]+/gi;

// netrc: `machine host login name password secret`, space-separated.
const NETRC_PASSWORD = /(\blogin\s+\S+\s+(?:password|passwd)\s+)(\S+)/gi;

// `--flag value` inside one string (a shell line, a `--cmd=...` argument). Single-letter `-p`
// is mysql's, psql's and many tools' password flag.
const FLAG_VALUE = /(?<![\w-])(--?)([A-Za-z][\w.-]{0,60})([ \t]+)(?!-)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)/g;
const SHORT_SECRET_FLAGS = new Set(['p']);

// `name=value`, `name: value`, `"name": "value"`, `--name=value`: the value is redacted when
// the name is secret. Quoted values may contain spaces and escaped quotes (`"p\"x"`); a bare
// value may hold an earlier REDACTED (its brackets do not end it, so a second pass is a no-op).
// The separator stays on its line: in YAML, `db:` ends where `  pass: x` begins. Names start at a word boundary and are
// bounded so that a megabyte-long word cannot make the match quadratic.
const ASSIGNMENT = new RegExp(
  String.raw`(?<![\w.-])(["']?)(-{0,2}[A-Za-z_][\w.-]{0,80})\1([ \t]*[=:][ \t]*)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\[REDACTED\]|(?:${SCHEMES})\s+\[REDACTED\])|((?:\[REDACTED\]|[^\s"'&,;}\])])+))`,
  'g',
);

// Every secret key name contains one of these; text without any skips the ASSIGNMENT pass,
// whose per-match callback dominates the cost of redacting large texts.
const SECRET_WORD_HINT =
  /token|secret|pass|pwd|key|credential|auth|private|cookie|sig|jwt|bearer|(?:^|\s)-p\s/i;

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

/** `text` with the given ranges (unsorted, possibly overlapping) replaced by REDACTED. */
function replaceRanges(text: string, ranges: Range[]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  ranges.forEach(([start, end], i) => {
    // Overlapping or touching ranges extend the REDACTED already written.
    if (i === 0 || start > at) out += `${text.slice(at, start)}${REDACTED}`;
    at = Math.max(at, end);
  });
  return out + text.slice(at);
}

function isSecretFlag(dashes: string, name: string, options: RedactOptions | undefined): boolean {
  return isSecretKey(name, options) || (dashes === '-' && SHORT_SECRET_FLAGS.has(name));
}

// Short strings repeat (metric keys, names, type names, external ids): their redaction is kept.
const memo = new Map<string, string>();
const MEMO_MAX_LENGTH = 256;

/**
 * Replaces secrets embedded in free text: known token formats, PEM private keys, URL
 * credentials and webhook URLs, `key=value` pairs and `--flag value` pairs with secret names,
 * and long high-entropy runs.
 *
 * @example
 * redactString('curl -H "Authorization: Bearer eyJhbGciOi..." https://u:p@host');
 * // 'curl -H "Authorization: Bearer [REDACTED]" https://***@host'
 */
export function redactString(text: string, options?: RedactOptions): string {
  if (text.length === 0) return text;
  const memoize = options === undefined && text.length <= MEMO_MAX_LENGTH;
  if (memoize) {
    const known = memo.get(text);
    if (known !== undefined) return known;
  }
  const out = redactText(text, options);
  if (memoize) {
    if (memo.size >= 20_000) memo.clear();
    memo.set(text, out);
  }
  return out;
}

function redactText(text: string, options: RedactOptions | undefined): string {
  let out = replaceRanges(text, tokenRanges(text));
  out = out.replace(
    AUTH_HEADER,
    (_m, head: string, scheme?: string, space?: string) =>
      `${head}${scheme ? scheme + space : ''}${REDACTED}`,
  );
  out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  if (out.includes('://')) {
    out = out.replace(URL_USERINFO, '$1***@');
    out = out.replace(URL_TOKEN_USER, '$1***@');
    out = out.replace(WEBHOOK_PATH, `$1${REDACTED}`);
  }
  out = out.replace(AWS_SECRET_IN_CONTEXT, (_m, context: string) => `${context}${REDACTED}`);
  const mayNameSecret =
    SECRET_WORD_HINT.test(out) ||
    options?.extraSecretKeys?.some((k) => out.toLowerCase().includes(k.toLowerCase()));
  if (mayNameSecret) {
    out = out.replace(NETRC_PASSWORD, `$1${REDACTED}`);
    out = redactAssignments(out, options);
    out = out.replace(
      FLAG_VALUE,
      (match: string, dashes: string, name: string, space: string, value: string) => {
        if (value === REDACTED || !isSecretFlag(dashes, name, options)) return match;
        return `${dashes}${name}${space}${REDACTED}`;
      },
    );
  }
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

const FLAG = /^(-{1,2})([A-Za-z_][\w.-]*)$/;

function redactArray(
  items: unknown[],
  options: RedactOptions | undefined,
  seen: WeakMap<object, unknown>,
  depth: number,
) {
  const out: unknown[] = [];
  seen.set(items, out);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    out.push(redactValue(item, options, seen, depth + 1));
    // argv style: `--token <value>` puts the secret in the next element.
    const flag = typeof item === 'string' ? FLAG.exec(item) : null;
    if (flag && isSecretFlag(flag[1]!, flag[2]!, options) && i + 1 < items.length) {
      const next = items[i + 1];
      if (typeof next !== 'string' || !next.startsWith('-')) {
        out.push(REDACTED);
        i++;
      }
    }
  }
  return out;
}

/**
 * What a value under a secret name becomes: `[REDACTED]`, except null, undefined and booleans, which carry no secret.
 *
 * @example
 * redactSecretValue('hunter2'); // '[REDACTED]'
 * redactSecretValue(false);     // false
 */
export function redactSecretValue(value: unknown): unknown {
  // A boolean or null under a secret name (`auth: false`) carries no secret and keeps its meaning.
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  return REDACTED;
}

/**
 * Deeper than any value a store accepts (MAX_PROPERTY_DEPTH): what lies below is not walked but
 * replaced, so a hostile value nested thousands deep cannot overflow the stack or leak.
 */
const MAX_REDACT_DEPTH = 256;

function redactValue(
  value: unknown,
  options: RedactOptions | undefined,
  seen: WeakMap<object, unknown>,
  depth = 0,
): unknown {
  if (typeof value === 'string') return redactString(value, options);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_REDACT_DEPTH) return REDACTED;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) return redactArray(value, options, seen, depth);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date) return value;
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) {
      const secret = typeof k === 'string' && isSecretKey(k, options);
      const key = typeof k === 'string' ? redactString(k, options) : k;
      out.set(key, secret ? redactSecretValue(v) : redactValue(v, options, seen, depth + 1));
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const v of value) out.add(redactValue(v, options, seen, depth + 1));
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
    // A key may itself be a token (`{ [token]: scopes }`); the name is redacted like a value.
    setOwn(
      out,
      redactString(k, options),
      isSecretKey(k, options) ? redactSecretValue(v) : redactValue(v, options, seen, depth + 1),
    );
  }
  return out;
}

/**
 * A deep copy of `value` with secrets replaced by '[REDACTED]': values under secret key names
 * (objects, arrays, Maps), argv-style `--token <value>` pairs, and secrets inside strings,
 * keys included.
 * Typed arrays and Dates are kept by reference; cycles are preserved.
 *
 * @example
 * redact({ lr: 0.01, openaiApiKey: 'sk-...' }); // { lr: 0.01, openaiApiKey: '[REDACTED]' }
 */
export function redact<T>(value: T, options?: RedactOptions): T {
  return redactValue(value, options, new WeakMap()) as T;
}
