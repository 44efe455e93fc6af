/**
 * What a request may carry, checked before any load starts (issue 13 item 1): a method,
 * header names and values, a Host, a target URL and a timeout that the HTTP client can
 * actually send. undici refuses anything else synchronously, per request, so a bad header
 * would otherwise fail every iteration without ever touching the network. The rules are
 * undici's own (node_modules/undici/lib/core/request.js `Request` constructor and
 * `processHeader`; lib/core/util.js `isValidHTTPToken`, `headerCharRegex`, lifted from
 * Node's lib/_http_common.js), which are RFC 9110's token and field-value grammars.
 *
 * Each check returns the problem as "expected …, got …" (or undefined), so the `load` CLI
 * can prefix the flag and the scenario reader can prefix file:line:col and the field.
 */
import { parseTimerMs } from '../util/duration.js';

/** RFC 9110 §5.6.2 token: what a method and a header name must be (undici `isValidHTTPToken`). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * RFC 9110 §5.5 field-value characters: HTAB, SP, VCHAR, obs-text — no CR, LF or NUL (undici
 * `headerCharRegex`), and stricter than undici: no C1 controls (U+0080–U+009F, e.g. NEL), which
 * obs-text allows but which are control characters (a NEL in a Host selects nothing and reads as a
 * line break in logs).
 */
const FIELD_VALUE = /^[\t\x20-\x7e\xa0-\xff]*$/;
/**
 * Headers the client manages itself: undici throws on transfer-encoding, keep-alive, upgrade
 * and expect, and on a second host or content-length; `host` has its own field (--host,
 * target.host) and content-length follows the body.
 */
const MANAGED_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
];

export function methodProblem(method: string): string | undefined {
  return TOKEN.test(method)
    ? undefined
    : `expected an HTTP method (letters, no spaces) like "GET", got ${JSON.stringify(method)}`;
}

export function headerNameProblem(name: string): string | undefined {
  if (!TOKEN.test(name))
    return `expected a header name (letters, digits and !#$%&'*+-.^_\`|~, no spaces), got ${JSON.stringify(name)}`;
  if (MANAGED_HEADERS.includes(name.toLowerCase())) {
    return `expected a header the HTTP client does not set itself (not ${MANAGED_HEADERS.join(', ')}; give the Host with --host or target.host), got ${JSON.stringify(name)}`;
  }
  return undefined;
}

/** Never echoes the value: it may be a credential (design.md "Safety rules"). */
export function headerValueProblem(value: string): string | undefined {
  const bad = /[^\t\x20-\x7e\xa0-\xff]/.exec(value);
  if (!bad) return undefined;
  const code = bad[0].charCodeAt(0);
  const name =
    code === 13
      ? 'CR'
      : code === 10
        ? 'LF'
        : code === 0
          ? 'NUL'
          : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `expected a header value without control characters or characters above U+00FF, got ${name} at character ${bad.index + 1} (value withheld)`;
}

/** A Host header value: a field value that is also a host[:port] (no spaces, no path). */
export function hostProblem(host: string): string | undefined {
  if (host === '' || !FIELD_VALUE.test(host) || /[\s/@?#]/.test(host))
    return `expected a host name like "bookinfo.example.com" (optionally ":port"), got ${JSON.stringify(host)}`;
  return undefined;
}

/**
 * A target URL load can be sent to: http(s), a real port (0 is "any port" to a listener and
 * "nothing" to a client: every request would be a network error), and no user:password
 * (reports echo the URL; the credentials would not be sent as the user thinks either).
 * Returns the problem, never echoing a URL that holds a password.
 */
export function targetUrlProblem(
  url: URL,
  credentialsGo = 'in a header (--header), whose value reports withhold',
): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected http or https, got ${url.protocol}`;
  if (url.username || url.password)
    return `expected a URL without "user:password@" (reports echo the URL); put credentials ${credentialsGo}`;
  if (url.port === '0') return `expected a port from 1 to 65535, got 0 in ${JSON.stringify(url.href)}`;
  return undefined;
}

/** A per-request timeout: a positive duration a timer can hold. */
export function timeoutProblem(text: string): string | undefined {
  const r = parseTimerMs(text, { positive: true, example: '10s' });
  return 'expected' in r ? `expected ${r.expected}, got ${JSON.stringify(text)}` : undefined;
}
