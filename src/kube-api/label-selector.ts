/**
 * Label selectors as the API server reads `?labelSelector=`: k8s.io/apimachinery
 * pkg/labels/selector.go `Parse` — its lexer (special symbols `= ! ( ) , > <`, keywords `in`
 * and `notin`, whitespace between tokens), its recursive-descent parser with the same error
 * texts ("unable to parse requirement: found '…', expected: …"), `NewRequirement`'s checks
 * and `Requirement.Matches`:
 *   `a=b`, `a==b`, `a!=b` (true when `a` is missing), `a in (x,y)`, `a notin (x)` (true when
 *   missing), `a` (exists), `!a` (does not exist), `a>3` / `a<3` (integers; false when missing
 *   or not an integer).
 * A selector that does not parse is a 400 BadRequest (apiserver handlers/get.go ListResource:
 * a query the parameter codec cannot decode → errors.NewBadRequest(err.Error())). Whether the
 * codec prefixes the parser's text is not verified; the parser's own words are kept as they are.
 * Keys are checked against the qualified-name rule (validation.IsQualifiedName) and values
 * against IsValidLabelValue; their field-error wording is approximated, not verified.
 */
import type http from 'node:http';
import { send, status } from './status.js';

/** A parse or validation failure; its message is what the 400 carries. */
export class SelectorError extends Error {}

type Op = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

enum Tok {
  Error,
  End,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

/** selector.go binaryOperators, in its order (selection.GreaterThan is "gt", LessThan "lt") */
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c) && c !== '';

/** selector.go Lexer.Lex, over the whole input. */
function scan(s: string): [Tok, string][] {
  const out: [Tok, string][] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      out.push([Tok.End, '']);
      return out;
    }
    if (isSpecial(s[pos])) {
      // scanSpecialSymbol: the longest run of special symbols that is still a token
      let buf = '';
      let last: [Tok, string] | null = null;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = STRING_TO_TOKEN[buf];
        if (t !== undefined) last = [t, buf];
        else if (last) break;
        pos++;
      }
      out.push(last ?? [Tok.Error, `error expected: keyword found '${buf}'`]);
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
      const t = STRING_TO_TOKEN[buf];
      out.push([t ?? Tok.Identifier, buf]);
    }
  }
}

/** validation.IsQualifiedName: [DNS-1123 subdomain "/"] name of ≤ 63 alphanumerics, '-', '_', '.' */
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(k: string): void {
  const parts = k.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  const bad =
    parts.length > 2 ||
    name.length === 0 ||
    name.length > 63 ||
    !NAME.test(name) ||
    (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !SUBDOMAIN.test(prefix)));
  if (bad)
    throw new SelectorError(
      `key: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
}

function checkValue(k: string, v: string): void {
  if (v === '' || (v.length <= 63 && NAME.test(v))) return;
  throw new SelectorError(
    `values[0][${k}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  );
}

/** selector.go Parser, with its contexts: `in` / `notin` are identifiers where values are read. */
class Parser {
  private pos = 0;
  constructor(private readonly items: [Tok, string][]) {}

  private lookahead(values: boolean): [Tok, string] {
    return this.asContext(this.items[this.pos], values);
  }

  private consume(values: boolean): [Tok, string] {
    return this.asContext(this.items[this.pos++], values);
  }

  private asContext([t, lit]: [Tok, string], values: boolean): [Tok, string] {
    return values && (t === Tok.In || t === Tok.NotIn) ? [Tok.Identifier, lit] : [t, lit];
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const [t, lit] = this.lookahead(true);
      if (t === Tok.End) return reqs;
      if (t !== Tok.Identifier && t !== Tok.DoesNotExist)
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const [t2, l2] = this.consume(true);
      if (t2 === Tok.End) return reqs;
      if (t2 !== Tok.Comma) throw new SelectorError(`found '${l2}', expected: ',' or 'end of string'`);
      const [t3, l3] = this.lookahead(true);
      if (t3 !== Tok.Identifier && t3 !== Tok.DoesNotExist)
        throw new SelectorError(`found '${l3}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let [t, key] = this.consume(true);
    let op: Op | null = null;
    if (t === Tok.DoesNotExist) {
      op = '!';
      [t, key] = this.consume(true);
    }
    if (t !== Tok.Identifier) throw new SelectorError(`found '${key}', expected: identifier`);
    checkKey(key);
    const [next] = this.lookahead(true);
    // parseRequirement returns at once for `!key` whatever follows: in "!a=b" the parse loop then
    // finds '=' where it expects ',' or the end
    if (op === '!' || next === Tok.End || next === Tok.Comma) return { key, op: op ?? 'exists', values: [] };
    const [ot, olit] = this.consume(false);
    const OPS: Partial<Record<Tok, Op>> = {
      [Tok.In]: 'in',
      [Tok.Equals]: '=',
      [Tok.DoubleEquals]: '==',
      [Tok.GreaterThan]: 'gt',
      [Tok.LessThan]: 'lt',
      [Tok.NotIn]: 'notin',
      [Tok.NotEquals]: '!=',
    };
    const binary = OPS[ot];
    if (!binary) throw new SelectorError(`found '${olit}', expected: ${BINARY_OPERATORS}`);
    const values = binary === 'in' || binary === 'notin' ? this.valueSet() : this.exactValue();
    if ((binary === 'gt' || binary === 'lt') && !/^[+-]?\d+$/.test(values[0]))
      throw new SelectorError(
        `values[0]: Invalid value: "${values[0]}": for 'Gt', 'Lt' operators, the value must be an integer`,
      );
    for (const v of values) checkValue(key, v);
    return { key, op: binary, values };
  }

  private valueSet(): string[] {
    const [t, lit] = this.consume(true);
    if (t !== Tok.OpenPar) throw new SelectorError(`found '${lit}' expected: '('`);
    const [t2, l2] = this.lookahead(true);
    if (t2 === Tok.ClosedPar) {
      this.consume(true);
      return [''];
    }
    if (t2 !== Tok.Identifier && t2 !== Tok.Comma)
      throw new SelectorError(`found '${l2}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const [ct, cl] = this.consume(true);
      if (ct === Tok.Identifier) {
        set.add(cl);
        const [nt, nl] = this.lookahead(true);
        if (nt === Tok.Comma) continue;
        if (nt === Tok.ClosedPar) break;
        throw new SelectorError(`found '${nl}', expected: ',' or ')'`);
      } else if (ct === Tok.Comma) {
        if (set.size === 0) set.add('');
        const [nt] = this.lookahead(true);
        if (nt === Tok.ClosedPar) {
          set.add('');
          break;
        }
        if (nt === Tok.Comma) set.add('');
      } else throw new SelectorError(`found '${cl}', expected: ',', or identifier`);
    }
    const [ct, cl] = this.consume(true);
    if (ct !== Tok.ClosedPar) throw new SelectorError(`found '${cl}', expected: ')'`);
    return [...set].sort();
  }

  private exactValue(): string[] {
    const [t] = this.lookahead(true);
    if (t === Tok.End || t === Tok.Comma) return [''];
    const [ct, lit] = this.consume(true);
    if (ct === Tok.Identifier) return [lit];
    throw new SelectorError(`found '${lit}', expected: identifier`);
  }
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(v);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(v)) return false;
      const a = BigInt(v);
      const b = BigInt(r.values[0]);
      return r.op === 'gt' ? a > b : a < b;
    }
  }
}

/**
 * The matcher for `?labelSelector=` (null or empty: everything); throws SelectorError (the 400's
 * message) when it does not parse.
 */
export function parseLabelSelector(sel: string | null): (labels: Record<string, string>) => boolean {
  if (!sel) return () => true;
  const reqs = new Parser(scan(sel)).parse();
  return (labels) => reqs.every((r) => matches(r, labels));
}

/**
 * The list's `?labelSelector=` matcher (label-selector.ts), or null after answering 400
 * BadRequest with the parser's message when it does not parse.
 */
export function selectorOrBadRequest(
  res: http.ServerResponse,
  url: URL,
): ((labels: Record<string, string>) => boolean) | null {
  try {
    return parseLabelSelector(url.searchParams.get('labelSelector'));
  } catch (e) {
    if (!(e instanceof SelectorError)) throw e;
    send(res, status(400, 'BadRequest', e.message));
    return null;
  }
}
