/**
 * A recursive-descent parser for mlmeta's filter language (MLMD's filter-query style).
 *
 *   or        := and (OR and)*
 *   and       := unary (AND unary)*
 *   unary     := NOT unary | '(' or ')' | predicate
 *   predicate := field ( op value | [NOT] LIKE string | [NOT] IN '(' value (',' value)* ')' | IS [NOT] NULL )
 *   field     := name ('.' name)*            name: word or `backtick quoted`
 *   value     := 'string' | "string" | number | TRUE | FALSE | WORD (enum names: state = LIVE)
 *
 * Keywords are case-insensitive. NOT binds tighter than AND, which binds tighter than OR.
 */
import { FilterSyntaxError } from '../store/errors.js';
import {
  type ComparisonOperator,
  describeLiteral,
  type FieldRef,
  type FilterExpression,
  type Literal,
} from './ast.js';
import { type PathSegment, resolveField } from './fields.js';
import { describeToken, type Token, tokenize } from './tokenizer.js';

/** Bounds that keep a hostile or runaway filter from exhausting the stack or the database. */
export const FILTER_LIMITS = {
  /** Characters in one filter. */
  maxLength: 16_384,
  /** Nested parentheses and NOTs. */
  maxDepth: 64,
  /**
   * Distinct `contexts_<alias>` names: each joins two tables, and SQLite joins at most 64.
   * PostgreSQL has no such limit, but one filter must mean the same on every backend.
   */
  maxContextAliases: 32,
} as const;

/** Integers are stored as 64-bit (INT properties, times): a literal beyond that range matches nothing any backend holds. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'LIKE', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);
const OPERATOR_HELP = '= != < > <= >= LIKE, NOT LIKE, IN (...), NOT IN (...), IS NULL, IS NOT NULL';

/**
 * Parses a filter into its syntax tree; throws FilterSyntaxError naming what was expected, what
 * was found and the 0-based position.
 *
 * @example
 * parseFilter("type = 'mlmeta.Model' AND properties.accuracy > 0.9");
 */
export function parseFilter(text: string): FilterExpression {
  if (typeof text !== 'string')
    throw new FilterSyntaxError(`expected the filter to be a string but found ${typeof text}`, 0);
  if (text.length > FILTER_LIMITS.maxLength) {
    throw new FilterSyntaxError(
      `filter is ${text.length} characters long; the limit is ${FILTER_LIMITS.maxLength} (select by ids, or split the query)`,
      FILTER_LIMITS.maxLength,
    );
  }
  return new Parser(tokenize(text)).parseFilter();
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseFilter(): FilterExpression {
    const expression = this.parseOr(0);
    const token = this.peek();
    if (token.kind === ')') throw new FilterSyntaxError("found ')' without a matching '('", token.position);
    if (token.kind !== 'end') {
      throw new FilterSyntaxError(
        `expected AND, OR or end of filter but found ${describeToken(token)}`,
        token.position,
      );
    }
    return expression;
  }

  private parseOr(depth: number): FilterExpression {
    const first = this.parseAnd(depth);
    const operands = [first];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.next();
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? first : { kind: 'or', operands, position: first.position };
  }

  private parseAnd(depth: number): FilterExpression {
    const first = this.parseUnary(depth);
    const operands = [first];
    while (this.isKeyword(this.peek(), 'AND')) {
      this.next();
      operands.push(this.parseUnary(depth));
    }
    return operands.length === 1 ? first : { kind: 'and', operands, position: first.position };
  }

  private parseUnary(depth: number): FilterExpression {
    const token = this.peek();
    if (this.isKeyword(token, 'NOT') || token.kind === '(') {
      if (depth >= FILTER_LIMITS.maxDepth) {
        throw new FilterSyntaxError(
          `filter nests parentheses and NOTs more than ${FILTER_LIMITS.maxDepth} deep; simplify it`,
          token.position,
        );
      }
      this.next();
      if (token.kind === '(') {
        const inner = this.parseOr(depth + 1);
        const close = this.next();
        if (close.kind !== ')') {
          throw new FilterSyntaxError(
            `expected ')' to close the '(' at position ${token.position} but found ${describeToken(close)}`,
            close.position,
          );
        }
        return inner;
      }
      return { kind: 'not', operand: this.parseUnary(depth + 1), position: token.position };
    }
    return this.parsePredicate();
  }

  private parsePredicate(): FilterExpression {
    const field = this.parseField();
    const position = field.position;
    const token = this.next();
    if (token.kind === 'operator') {
      const value = this.parseValue(`after '${token.value}'`);
      return { kind: 'compare', field, operator: token.value as ComparisonOperator, value, position };
    }
    let negated = false;
    let keyword = token;
    if (this.isKeyword(token, 'NOT')) {
      negated = true;
      keyword = this.next();
      if (!this.isKeyword(keyword, 'LIKE') && !this.isKeyword(keyword, 'IN')) {
        throw new FilterSyntaxError(
          `expected LIKE or IN after NOT but found ${describeToken(keyword)}`,
          keyword.position,
        );
      }
    }
    if (this.isKeyword(keyword, 'LIKE')) {
      const pattern = this.parseValue("after 'LIKE'");
      if (pattern.kind !== 'string') {
        throw new FilterSyntaxError(
          `expected a quoted pattern after 'LIKE' (e.g. 'mnist%') but found ${describeLiteral(pattern)}`,
          pattern.position,
        );
      }
      return { kind: 'like', field, negated, pattern, position };
    }
    if (this.isKeyword(keyword, 'IN'))
      return { kind: 'in', field, negated, values: this.parseList(), position };
    if (this.isKeyword(keyword, 'IS')) {
      let word = this.next();
      if (this.isKeyword(word, 'NOT')) {
        negated = true;
        word = this.next();
      }
      if (!this.isKeyword(word, 'NULL')) {
        throw new FilterSyntaxError(
          `expected NULL after '${negated ? 'IS NOT' : 'IS'}' but found ${describeToken(word)}`,
          word.position,
        );
      }
      return { kind: 'isNull', field, negated, position };
    }
    throw new FilterSyntaxError(
      `expected an operator (${OPERATOR_HELP}) after '${field.text}' but found ${describeToken(token)}`,
      token.position,
    );
  }

  private parseField(): FieldRef {
    const token = this.next();
    if ((token.kind !== 'word' || this.isKeywordAny(token)) && token.kind !== 'quoted') {
      throw new FilterSyntaxError(
        `expected a field (e.g. name, type, properties.NAME, contexts.name) or '(' but found ${describeToken(token)}`,
        token.position,
      );
    }
    const segments: PathSegment[] = [{ name: token.value, position: token.position }];
    while (this.peek().kind === '.') {
      const dot = this.next();
      const part = this.next();
      if (part.kind !== 'word' && part.kind !== 'quoted') {
        throw new FilterSyntaxError(
          `expected a name after '${segments.map((s) => s.name).join('.')}.' but found ${describeToken(part)} (put names with other characters in backticks: properties.\`my-key\`)`,
          part.kind === 'end' ? dot.position + 1 : part.position,
        );
      }
      segments.push({ name: part.value, position: part.position });
    }
    return resolveField(segments);
  }

  private parseList(): Literal[] {
    const open = this.next();
    if (open.kind !== '(') {
      throw new FilterSyntaxError(`expected '(' after 'IN' but found ${describeToken(open)}`, open.position);
    }
    const values = [this.parseValue('in IN (...)')];
    for (;;) {
      const token = this.next();
      if (token.kind === ')') return values;
      if (token.kind !== ',') {
        throw new FilterSyntaxError(
          `expected ',' or ')' in IN (...) but found ${describeToken(token)}`,
          token.position,
        );
      }
      values.push(this.parseValue("after ','"));
    }
  }

  private parseValue(where: string): Literal {
    const token = this.next();
    const position = token.position;
    switch (token.kind) {
      case 'string':
        return { kind: 'string', value: token.value, position };
      case 'number': {
        const value = Number(token.value);
        if (!Number.isFinite(value)) {
          throw new FilterSyntaxError(`number ${token.value} is out of range`, position);
        }
        const integer = /^-?[0-9]+$/.test(token.value);
        if (integer && (BigInt(token.value) < INT64_MIN || BigInt(token.value) > INT64_MAX)) {
          throw new FilterSyntaxError(
            `integer ${token.value.length > 40 ? `${token.value.slice(0, 40)}…` : token.value} is beyond the 64-bit range stores hold (${INT64_MIN} to ${INT64_MAX}); to compare with a double, write it with a decimal point or an exponent (1.5e20)`,
            position,
          );
        }
        return { kind: 'number', value, integer, text: token.value, position };
      }
      case 'word': {
        const upper = token.value.toUpperCase();
        if (upper === 'TRUE' || upper === 'FALSE')
          return { kind: 'boolean', value: upper === 'TRUE', position };
        if (upper === 'NULL') {
          throw new FilterSyntaxError(
            `expected a value ${where} but found NULL; test for a missing value with IS NULL / IS NOT NULL`,
            position,
          );
        }
        if (!KEYWORDS.has(upper)) return { kind: 'word', value: token.value, position };
        break;
      }
    }
    throw new FilterSyntaxError(`expected a value ${where} but found ${describeToken(token)}`, position);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.value.toUpperCase() === keyword;
  }

  private isKeywordAny(token: Token): boolean {
    return token.kind === 'word' && KEYWORDS.has(token.value.toUpperCase());
  }
}
