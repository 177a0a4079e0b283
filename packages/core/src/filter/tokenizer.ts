/**
 * Splits a filter into tokens that remember where they start, so that every error can name the
 * 0-based position of the problem.
 */
import { FilterSyntaxError } from '../store/errors.js';

export type TokenKind =
  | 'word' // identifiers and keywords (AND, OR, NOT, LIKE, IN, IS, NULL, TRUE, FALSE)
  | 'quoted' // `backtick-quoted` names
  | 'string'
  | 'number'
  | 'operator' // = != <> < > <= >=
  | '('
  | ')'
  | ','
  | '.'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** Decoded text: a string's value without quotes and escapes, an operator's symbol, a word as written. */
  value: string;
  position: number;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
};

/** How a token reads in an error message: "'='", "string 'abc'", "end of filter". */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of filter';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    case 'word':
      return `'${token.value}'`;
    case 'quoted':
      return `\`${token.value}\``;
    default:
      return `'${token.value}'`;
  }
}

export function tokenize(text: string): Token[] {
  const nul = text.indexOf('\0');
  // PostgreSQL cannot store or compare text containing NUL, so no backend could match it.
  if (nul >= 0) throw new FilterSyntaxError('unexpected NUL character; filters are plain text', nul);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(ch)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      tokens.push({ kind: 'word', value: text.slice(start, i), position: start });
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      i += match[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) {
        throw new FilterSyntaxError(
          `expected a number but found '${text.slice(start, i + 1)}'; quote text values ('...') and put names that start with a digit in backticks`,
          start,
        );
      }
      tokens.push({ kind: 'number', value: match[0], position: start });
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const [value, next] = readQuoted(text, i);
      tokens.push({ kind: ch === '`' ? 'quoted' : 'string', value, position: start });
      i = next;
    } else if (ch === '!' || ch === '<' || ch === '>' || ch === '=') {
      const two = text.slice(i, i + 2);
      const symbol = two === '!=' || two === '<>' || two === '<=' || two === '>=' ? two : ch;
      if (symbol === '!') throw new FilterSyntaxError("expected '!=' but found '!'", start);
      if (two === '==')
        throw new FilterSyntaxError("expected '=' but found '=='; comparisons use a single '='", start);
      i += symbol.length;
      tokens.push({ kind: 'operator', value: symbol === '<>' ? '!=' : symbol, position: start });
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      i++;
      tokens.push({ kind: ch, value: ch, position: start });
    } else {
      throw new FilterSyntaxError(
        `unexpected character ${JSON.stringify(ch)}; a filter is made of fields, operators (= != < > <= >= LIKE IN IS NULL), AND/OR/NOT, parentheses and quoted values`,
        start,
      );
    }
  }
  tokens.push({ kind: 'end', value: '', position: text.length });
  return tokens;
}

/** Reads a '...', "..." or `...` literal starting at `start`; returns its value and the index after it. */
function readQuoted(text: string, start: number): [string, number] {
  const quote = text[start]!;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === quote) return [value, i + 1];
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) break;
      const decoded = ESCAPES[next];
      if (decoded === undefined) {
        throw new FilterSyntaxError(
          `unknown escape '\\${next}' in quoted text; valid escapes are \\\\ \\' \\" \\\` \\n \\t \\r`,
          i,
        );
      }
      value += decoded;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  const what = quote === '`' ? 'name' : 'string';
  throw new FilterSyntaxError(
    `expected a closing ${quote} for the ${what} that starts at position ${start} but found end of filter`,
    text.length,
  );
}
