/**
 * Token formats: where in a text a known kind of credential sits. Two rule sets, because neither
 * alone covers what reaches mlmeta:
 *  - secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend, maintained
 *    upstream with each vendor's format), run synchronously through its rule interface;
 *  - the formats secretlint does not check, written here after gitleaks' default rule set
 *    (config/gitleaks.toml; rule ids in the comments), plus PEM blocks and JWTs.
 * Both answer ranges; the caller replaces them.
 */
import { createRequire } from 'node:module';
import { logger } from '../../log.js';
import { ownModule } from '../../own-module.js';

// After gitleaks' default rules (ids given); each match is a credential as a whole.
const OWN_PATTERNS: RegExp[] = [
  // private-key
  /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/g,
  // aws-access-token (ids also name temporary, group and role keys)
  /\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  // gcp-api-key; Google OAuth access tokens (ya29.)
  /\bAIza[\w-]{35}(?![\w-])/g,
  /\bya29\.[\w-]{20,}/g,
  // azure-ad-client-secret
  /(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])/g,
  // github-pat, github-oauth, github-app-token, github-refresh-token, github-fine-grained-pat
  /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/g,
  /\bgithub_pat_\w{22,255}\b/g,
  // gitlab-pat, gitlab-deploy-token, gitlab-runner-authentication-token, gitlab-ptt, gitlab-rrt, ...
  /\bgl(?:pat|dt|rt|ptt|ft|imt|oas|soat|agent|cbt|ffct)-[\w-]{20,}/g,
  /\bGR1348941[\w-]{20,}/g,
  // slack-bot-token, slack-user-token, slack-app-token, slack-config-*-token
  /\bxox[abposer]-[A-Za-z0-9-]{10,}/g,
  /\bxapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+/g,
  // stripe-access-token
  /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b/g,
  // twilio-api-key
  /\bSK[0-9a-f]{32}\b/g,
  // sendgrid-api-token
  /\bSG\.[\w-]{20,24}\.[\w-]{39,50}\b/g,
  // npm-access-token, pypi-upload-token
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bpypi-AgEIcHlwaS5vcmc[\w-]{50,}/g,
  // jwt
  /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g,
  // openai-api-key, anthropic-api-key (and any `sk-` key of that length)
  /\bsk-(?:ant-|proj-|svcacct-|admin-)?[\w-]{20,}/g,
  // huggingface-access-token, databricks-api-token, digitalocean-*, shopify-*, mailgun-private-api-token
  /\bhf_[A-Za-z]{30,}\b/g,
  /\bdapi[0-9a-h]{32}(?:-\d)?\b/g,
  /\bdo[por]_v1_[0-9a-f]{64}\b/g,
  /\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b/g,
  /\bkey-[0-9a-f]{32}\b/g,
  // hashicorp-tf-api-token / vault service and batch tokens
  /\bhv[sb]\.[\w-]{20,}/g,
  // linear-api-key, doppler-api-token, grafana-*, age-secret-key, postman-api-token, pulumi-api-token
  /\blin_api_[A-Za-z0-9]{40}\b/g,
  /\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b/g,
  /\bgl(?:sa|c)_[A-Za-z0-9_+/=-]{32,}/g,
  /\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b/g,
  /\bPMAK-[0-9a-fA-F]{24}-[0-9a-fA-F]{34}\b/g,
  /\bpul-[0-9a-f]{40}\b/g,
  // groq, replicate, notion, atlassian, new relic, sentry auth tokens
  /\bgsk_[A-Za-z0-9]{48,}\b/g,
  /\br8_[A-Za-z0-9]{37}\b/g,
  /\b(?:ntn_|secret_)[A-Za-z0-9]{43,46}\b/g,
  /\bATATT3[\w=-]{150,}/g,
  /\bNRAK-[A-Z0-9]{27}\b/g,
  /\bsntry[su]_[\w=+/]{40,}/g,
  // telegram-bot-api-token
  /\b\d{8,10}:AA[\w-]{33}(?![\w-])/g,
  // slack-webhook-url, discord webhook, Microsoft Teams and other incoming-webhook URLs: the URL is the credential.
  /\bhttps?:\/\/(?:[\w-]+\.)*(?:hooks\.slack\.com|hooks\.zapier\.com|webhook\.office\.com|discord(?:app)?\.com\/api\/webhooks|outlook\.office\.com\/webhook)[^\s"'<>]*/gi,
];

/** A [start, end) range of a text holding a secret. */
export type Range = [number, number];

/** Ranges of the token formats above (own rules). */
// One pass instead of one per format: the alternation is tried at each position, in order.
const OWN_RULES = [
  new RegExp(
    OWN_PATTERNS.filter((p) => !p.ignoreCase)
      .map((p) => `(?:${p.source})`)
      .join('|'),
    'g',
  ),
  ...OWN_PATTERNS.filter((p) => p.ignoreCase),
];

function ownRanges(text: string, out: Range[]): void {
  for (const rule of OWN_RULES) {
    for (const match of text.matchAll(rule)) out.push([match.index, match.index + match[0].length]);
  }
}

interface SecretlintRule {
  meta: { id: string };
  create(
    context: {
      report(descriptor: { range: number[] }): void;
      createTranslator(): unknown;
      sharedOptions: object;
    },
    options: object,
  ): { file?(source: object): unknown };
}

type Scanner = (text: string, out: Range[]) => void;

let secretlint: Scanner | null | undefined;

// The aws rule (13.1) reports a range that starts at the variable name and stops inside the key;
// mlmeta's own AWS rules cover its formats. filter-comments is a directive, not a scanner.
const SKIPPED_RULES = new Set([
  '@secretlint/secretlint-rule-aws',
  '@secretlint/secretlint-rule-filter-comments',
]);

// URL credentials are cut out precisely by redact.ts (`https://***@host`), not as a whole URL.
const URL_CREDENTIALS = /:\/\/[^\s/@]*(?::[^\s/@]*)?@/;

const TOKEN_CHAR = /[A-Za-z0-9+=_-]/;

/** A reported range grown to the end of its token, so a report that stops short cannot leave the rest behind. */
function widen(text: string, [start, end]: Range): Range {
  const from = Math.max(0, Math.min(start, text.length));
  let to = Math.max(from, Math.min(end, text.length));
  while (to < text.length && TOKEN_CHAR.test(text[to]!)) to++;
  return [from, to];
}

/**
 * secretlint's recommended rules, loaded on first use (230 kB of JavaScript: not at import).
 * Its rule handlers for text are synchronous; a returned promise (binary files only) is ignored.
 */
function secretlintScanner(): Scanner | null {
  if (secretlint !== undefined) return secretlint;
  try {
    const require = createRequire(ownModule());
    const { rules } = require('@secretlint/secretlint-rule-preset-recommend') as { rules: SecretlintRule[] };
    let found: Range[] = [];
    const context = {
      report: (descriptor: { range: number[] }) => {
        const [start, end] = descriptor.range;
        if (typeof start === 'number' && typeof end === 'number') found.push([start, end]);
      },
      createTranslator: () => (id: string) => ({ message: id }),
      sharedOptions: {},
    };
    const handlers = rules
      .filter((rule) => !SKIPPED_RULES.has(rule.meta.id))
      .map((rule) => rule.create(context, {}));
    secretlint = (text, out) => {
      found = [];
      const source = { content: text, filePath: 'mlmeta-value.txt', contentType: 'text', ext: '.txt' };
      for (const handler of handlers) {
        try {
          const pending = handler.file?.(source);
          if (pending instanceof Promise) pending.catch(() => undefined);
        } catch {
          // One rule failing on odd input must not stop the others (or the caller).
        }
      }
      for (const range of found)
        if (!URL_CREDENTIALS.test(text.slice(range[0], range[1]))) out.push(widen(text, range));
    };
  } catch (error) {
    // Set before warning: the warning's own line is redacted, which must not try again.
    secretlint = null;
    logger.warn(
      "secretlint's rules could not be loaded; redaction uses mlmeta's own token rules only:",
      error,
    );
  }
  return secretlint;
}

// Every token secretlint finds is one run of these characters, at least 16 long. (What needs
// context around a token, such as URL credentials, PEM blocks and `"auth": "…"`, is caught by
// mlmeta's own nets.)
const RUN = /[A-Za-z0-9_+/=.~-]{16,}/g;
const HAS_RUN = new RegExp(RUN.source);

// Short texts (log lines, names, values) are scanned run by run, and a run seen before is
// answered from here: the same hosts, paths and ids recur, and one pass of secretlint's rules
// costs tens of microseconds whatever the length. Long texts (a diff) are scanned whole.
const runMemo = new Map<string, Range[]>();
const RUN_BY_RUN_BELOW = 4096;

function secretlintRanges(text: string, out: Range[]): void {
  const scan = secretlintScanner();
  if (scan === null) return;
  if (text.length >= RUN_BY_RUN_BELOW) {
    scan(text, out);
    return;
  }
  for (const match of text.matchAll(RUN)) {
    let found = runMemo.get(match[0]);
    if (found === undefined) {
      found = [];
      scan(match[0], found);
      if (runMemo.size >= 20_000) runMemo.clear();
      runMemo.set(match[0], found);
    }
    for (const [start, end] of found) out.push([match.index + start, match.index + end]);
  }
}

/**
 * The ranges of `text` that hold a known token format, unsorted and possibly overlapping.
 *
 * @example
 * tokenRanges('key ghp_…'); // [[4, 44]]
 */
export function tokenRanges(text: string): Range[] {
  const out: Range[] = [];
  ownRanges(text, out);
  if (HAS_RUN.test(text)) secretlintRanges(text, out);
  return out;
}
