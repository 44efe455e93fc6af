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
 * a query the parameter codec cannot decode → errors.NewBadRequest(err.Error())) whose message is
 * the parser's text unprefixed, as real 400s show it ("message":"unable to parse requirement: …",
 * kubernetes-client/python#1559). Keys are checked as content.IsLabelKey checks them, values as
 * validation.IsValidLabelValue (texts from validation.go; the DNS-1123 prefix wording is [INF]).
 * Lengths count UTF-16 units where Go counts bytes (differs only for non-ASCII, refused anyway).
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

/** validation.RegexError: the message, its examples and the regex, as the validators word them. */
const regexError = (msg: string, fmt: string, ...examples: string[]) =>
  `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;

const KEY_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const KEY_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const NAME = new RegExp(`^${KEY_NAME_FMT}$`);
const SUBDOMAIN = new RegExp(`^${SUBDOMAIN_FMT}$`);

/**
 * content.IsLabelKey (formerly validation.IsQualifiedName): [DNS-1123 subdomain "/"] name of
 * ≤ 63 alphanumerics, '-', '_', '.'; every failed rule is one message.
 */
export function labelKeyErrors(k: string): string[] {
  const errs: string[] = [];
  const slash = k.indexOf('/');
  let name = k;
  if (slash >= 0) {
    const prefix = k.slice(0, slash);
    name = k.slice(slash + 1);
    if (name.includes('/'))
      return [
        `a valid label key ${regexError(KEY_NAME_MSG, KEY_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ];
    // validation.IsDNS1123Subdomain: wording recalled from validation.go, not looked up [INF]
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!SUBDOMAIN.test(prefix))
        errs.push(
          `prefix part ${regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", SUBDOMAIN_FMT, 'example.com')}`,
        );
    }
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!NAME.test(name))
    errs.push(`name part ${regexError(KEY_NAME_MSG, KEY_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue: ≤ 63 characters, empty or a name. */
export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (v !== '' && !NAME.test(v))
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        `(${KEY_NAME_FMT})?`,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

/**
 * parseKeyAndInferOperator's validateLabelKey: field.Invalid(p.path, …) with Parse's nil path,
 * whose String() is "<nil>" — so "<nil>: Invalid value: …", as kube-apiserver's own
 * authorizer tests and real 400s quote it (not "key: …": NewRequirement's key check never fails
 * after this one).
 */
function checkKey(k: string): void {
  const errs = labelKeyErrors(k);
  if (errs.length) throw new SelectorError(`<nil>: Invalid value: ${JSON.stringify(k)}: ${errs.join('; ')}`);
}

/** strconv.ParseInt(s, 10, 64): an optional sign, decimal digits, within int64. */
function parseInt64(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
}

/**
 * NewRequirement's value checks, as one utilerrors aggregate: one error is its own text, several
 * are "[a, b]" (aggregate.Error, duplicates dropped). Paths are values[i] (Gt/Lt) and
 * values[i][key] (the label value), i the value's index in the sorted set.
 */
function checkValues(key: string, op: Op, values: string[]): void {
  const errs: string[] = [];
  if (op === 'gt' || op === 'lt')
    values.forEach((v, i) => {
      if (parseInt64(v) === null)
        errs.push(
          `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
        );
    });
  values.forEach((v, i) => {
    const e = labelValueErrors(v);
    if (e.length) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${e.join('; ')}`);
  });
  const unique = [...new Set(errs)];
  if (unique.length === 1) throw new SelectorError(unique[0]);
  if (unique.length > 1) throw new SelectorError(`[${unique.join(', ')}]`);
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
    checkValues(key, binary, values);
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
      const a = has ? parseInt64(v) : null;
      const b = parseInt64(r.values[0]);
      if (a === null || b === null) return false;
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
