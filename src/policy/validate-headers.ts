/**
 * Header operations (`http[].headers`, `http[].route[].headers`) as Istio's webhook checks them:
 * `validateHTTPRoute` / `validateHTTPRouteDestinations` call, per `request.add`/`set`
 * `ValidateHTTPHeaderWithAuthorityOperationName` + `ValidateHTTPHeaderValue`, per
 * `request.remove` and every `response` key `ValidateHTTPHeaderOperationName` (validation.go),
 * and `validateHeaderValue` (header_value_validator.go, a port of Envoy's header_parser.cc).
 * `validateAuthorityRewrite` (virtualservice.go) allows one authority rewrite per route.
 * The local mesh drops `:`-keys and `host` from the lists (translate/headers.ts); a real Istio
 * refuses most of them here instead, so the mesh never runs a policy the webhook rejects.
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';

const HEADERS_FIELDS = ['request', 'response'] as const;
const OPERATION_FIELDS = ['set', 'add', 'remove'] as const;
/** protoc-gen-validate's header value rule Istio copies: no control characters but HT. */
const HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;

const isAuthority = (k: string) => k.toLowerCase() === ':authority' || k.toLowerCase() === 'host';
const isInternal = (k: string) => k.startsWith(':') || k.toLowerCase() === 'host';

/** ValidateHTTPHeaderWithAuthorityOperationName (request set/add): `:authority` and `host` allowed. */
function requestWriteNameProblem(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternal(name) && !isAuthority(name))
    return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** ValidateHTTPHeaderOperationName (request remove, every response operation). */
function operationNameProblem(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  if (isInternal(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** ValidateHTTPHeaderValue. */
function valueProblem(value: string): string | undefined {
  if (!HEADER_VALUE.test(value)) return `header value configuration ${value} is invalid`;
  const err = envoyHeaderValueProblem(value);
  return err ? `header value configuration: ${err}` : undefined;
}

/** `headers:` of a route or of a route destination. */
export function validateHeaderOperations(c: Checker, path: FieldPath, v: unknown): void {
  const h = c.object(path, v, HEADERS_FIELDS);
  if (!h) return;
  for (const side of HEADERS_FIELDS) {
    const ops = c.object([...path, side], h[side], OPERATION_FIELDS);
    if (!ops) continue;
    for (const op of ['set', 'add'] as const) {
      const map = c.object([...path, side, op], ops[op]);
      for (const [name, value] of Object.entries(map ?? {})) {
        const at: FieldPath = [...path, side, op, name];
        const nameProblem = side === 'request' ? requestWriteNameProblem(name) : operationNameProblem(name);
        if (nameProblem) c.error(at, nameProblem);
        const s = c.string(at, value);
        const problem = s === undefined ? undefined : valueProblem(s);
        if (problem) c.error(at, problem);
      }
    }
    const removes = c.list([...path, side, 'remove'], ops.remove) ?? [];
    removes.forEach((name, i) => {
      const s = c.string([...path, side, 'remove', i], name);
      const problem = s === undefined ? undefined : operationNameProblem(s);
      if (problem) c.error([...path, side, 'remove', i], problem);
    });
  }
}

/** validateAuthorityRewrite: `rewrite.authority`, then request `set`, then `add`, at most one of them. */
export function validateAuthorityRewrite(c: Checker, path: FieldPath, rewrite: unknown, headers: unknown): void {
  const authority = (rewrite as { authority?: unknown } | undefined)?.authority;
  let current = typeof authority === 'string' ? authority : '';
  const request = (headers as { request?: Record<string, unknown> } | undefined)?.request;
  for (const op of ['set', 'add'] as const) {
    const map = request?.[op];
    if (!map || typeof map !== 'object') continue;
    for (const [k, v] of Object.entries(map)) {
      if (!isAuthority(k) || typeof v !== 'string') continue;
      if (current !== '') {
        c.error(
          [...path, 'headers', 'request', op, k],
          `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(v)}`,
        );
        return; // Istio returns the first conflict
      }
      current = v;
    }
  }
}

/**
 * validateHeaderValue: Envoy's `%VAR%` / `%VAR(...)%` grammar — a lone `%` must be escaped as
 * `%%`, an expression must be closed. A byte-for-byte port of the Go state machine.
 */
export function envoyHeaderValueProblem(value: string): string | undefined {
  const State = { literal: 0, name: 1, array: 2, string: 3, inString: 4, delimiter: 5, argsEnd: 6, end: 7 };
  let state = State.literal;
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    const hasNext = pos + 1 < value.length;
    switch (state) {
      case State.literal:
        if (ch !== '%') break;
        if (!hasNext) return 'invalid header configuration. Un-escaped %';
        if (value[pos + 1] === '%') {
          pos++;
          break;
        }
        state = State.name;
        break;
      case State.name:
        if (ch === '%') state = State.literal;
        else if (ch === '(') state = State.array;
        break;
      case State.array:
        if (ch === '[') state = State.string;
        else if (ch !== ' ') state = State.inString;
        break;
      case State.delimiter:
        if (ch === ',') state = State.string;
        else if (ch === ']') state = State.argsEnd;
        else if (ch !== ' ') return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case State.string:
        if (ch === '"') state = State.inString;
        else if (ch !== ' ') return `invalid header configuration. Expecting '"'`;
        break;
      case State.inString:
        if (ch === '\\') {
          if (!hasNext) return 'invalid header configuration. Un-terminated backslash in JSON string';
          pos++;
        } else if (ch === ')') state = State.end;
        else if (ch === '"') state = State.delimiter;
        break;
      case State.argsEnd:
        if (ch === ')') state = State.end;
        else if (ch !== ' ')
          return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case State.end:
        if (ch === '%') state = State.literal;
        else if (ch !== ' ') return "invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  if (state !== State.literal) return `invalid header configuration. Un-terminated variable expression '${value}'`;
  return undefined;
}
