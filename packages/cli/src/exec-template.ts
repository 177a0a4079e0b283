/**
 * `--exec` templates: split like a shell would split words (quotes and backslashes), but never
 * run a shell; placeholders are substituted inside each word afterwards, so a value with spaces
 * or `;` stays one argument and cannot inject a command.
 */
import { CliError } from './context.js';

/** `node eval.js "{uri}" --x 'a b'` → ['node', 'eval.js', '{uri}', '--x', 'a b']. */
export function splitWords(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < template.length && '"\\$`'.includes(template[i + 1]!))
        word += template[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < template.length) {
      word += template[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new CliError(`--exec has an unclosed ${quote} quote: ${template}`, 2);
  if (inWord) words.push(word);
  if (words.length === 0) throw new CliError('--exec needs a command, e.g. --exec "node eval.js {uri}"', 2);
  return words;
}

export const PLACEHOLDERS = ['uri', 'id', 'externalId', 'name', 'type', 'kind'] as const;

/** Replace `{uri}`, `{id}`, `{externalId}`, `{name}`, `{type}`, `{kind}` in each word. */
export function fillWords(
  words: string[],
  values: Partial<Record<(typeof PLACEHOLDERS)[number], string>>,
): string[] {
  return words.map((word) =>
    word.replace(
      /\{(uri|id|externalId|name|type|kind)\}/g,
      (_m, key: keyof typeof values) => values[key] ?? '',
    ),
  );
}
