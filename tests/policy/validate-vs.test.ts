/**
 * VirtualService validation, istio-envoy-semantics.md §7.3 (fields of §4 and §5): for every
 * rule one object that passes and one that fails, with the exact message, path, line, column.
 * `vs(fragment)` puts fragment line k of the first route on line 10 + k, indented 6.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNone, assertOne, validateText, vs, vsRoute } from './helpers.js';
import { goFloat } from '../../src/policy/fields.js';

const R = 'spec.http[0]';

test('§7.3 timeout: ValidateDuration, and 0s is rejected (omit the field for "no timeout")', () => {
  const at = { path: `${R}.timeout`, line: 11, column: 7 };
  assertOne(validateText(vs('timeout: 0s')), { ...at, message: 'duration must be greater than 1ms, got "0s"' });
  assertOne(validateText(vs('timeout: 0.5')), { ...at, message: 'expected a duration like "10s" or "500ms", got 0.5' });
  assertNone(validateText(vs('timeout: 0.5s')));
});

test('§7.3 fault with neither abort nor delay is an error', () => {
  assertOne(validateText(vs('fault: {}')), {
    path: `${R}.fault`,
    line: 11,
    column: 7,
    message: 'HTTP fault injection must have an abort and/or a delay',
  });
  assertNone(validateText(vs('fault:\n  delay:\n    fixedDelay: 1s\n    percentage: {value: 100}')));
});

test('§7.3 fault together with redirect or directResponse is an error', () => {
  const fault = '\nfault:\n  abort:\n    httpStatus: 503\n    percentage: {value: 10}';
  assertOne(validateText(vsRoute(`redirect:\n  uri: /elsewhere${fault}`)), {
    path: `${R}.fault`,
    line: 10,
    column: 7,
    message: 'HTTP route cannot contain both fault and redirect',
  });
  assertOne(validateText(vsRoute(`directResponse:\n  status: 200${fault}`)), {
    path: `${R}.fault`,
    line: 10,
    column: 7,
    message: 'HTTP route cannot contain both fault and direct_response',
  });
  assertNone(validateText(vsRoute(`route:\n  - destination: {host: productpage}${fault}`)));
});

test('§7.3 route needs route, redirect or directResponse', () => {
  assertOne(validateText(vsRoute('timeout: 1s')), {
    path: R,
    line: 8,
    column: 7,
    message: 'HTTP route, redirect or direct_response is required',
  });
  assertNone(validateText(vsRoute('directResponse:\n  status: 200')));
});

for (const kind of ['abort', 'delay'] as const) {
  test(`§7.3 ${kind}.percentage.value outside {0} ∪ [0.0001, 100] is an error`, () => {
    const body = kind === 'abort' ? 'httpStatus: 503' : 'fixedDelay: 1s';
    const t = (v: string) => validateText(vs(`fault:\n  ${kind}:\n    ${body}\n    percentage:\n      value: ${v}`));
    const at = { path: `${R}.fault.${kind}.percentage.value`, line: 15, column: 13 };
    assertOne(t('150'), { ...at, message: 'percentage 150 is neither 0.0, nor in range [0.0001, 100.0]' });
    assertOne(t('0.00001'), { ...at, message: 'percentage 0.00001 is neither 0.0, nor in range [0.0001, 100.0]' });
    assertOne(t('-1'), { ...at, message: 'percentage -1 is neither 0.0, nor in range [0.0001, 100.0]' });
    for (const ok of ['0', '0.0001', '50', '100']) assertNone(t(ok));
  });
}

test('§7.3 abort.httpStatus outside 200..600 is an error (600 passes Istio, fails Envoy)', () => {
  const t = (v: string) => validateText(vs(`fault:\n  abort:\n    httpStatus: ${v}\n    percentage: {value: 100}`));
  const at = { path: `${R}.fault.abort.httpStatus`, line: 13, column: 11 };
  assertOne(t('199'), { ...at, message: 'HTTP status 199 is not in range 200-599' });
  assertOne(t('601'), { ...at, message: 'HTTP status 601 is not in range 200-599' });
  assertNone(t('200'));
  assertNone(t('600'));
});

test('§7.3 abort.grpcStatus must be a status name, not a number', () => {
  const t = (v: string) => validateText(vs(`fault:\n  abort:\n    grpcStatus: "${v}"\n    percentage: {value: 100}`));
  assertOne(t('14'), {
    path: `${R}.fault.abort.grpcStatus`,
    line: 13,
    column: 11,
    message:
      'gRPC status "14" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example \'NOT_FOUND\'',
  });
  assertNone(t('UNAVAILABLE'));
});

test('§7.3 abort.http2Error is rejected ("not supported yet")', () => {
  assertOne(validateText(vs('fault:\n  abort:\n    http2Error: REFUSED_STREAM\n    percentage: {value: 100}')), {
    path: `${R}.fault.abort.http2Error`,
    line: 13,
    column: 11,
    message: 'HTTP/2 abort fault injection not supported yet',
  });
});

test('§7.3 abort without an error type is a warning (the abort is dropped); two error types are an error', () => {
  assertOne(validateText(vs('fault:\n  abort:\n    percentage: {value: 100}')), {
    severity: 'warning',
    path: `${R}.fault.abort`,
    line: 12,
    column: 9,
    message: 'abort configured, but error type not set (the abort is dropped)',
  });
  assertOne(validateText(vs('fault:\n  abort:\n    httpStatus: 503\n    grpcStatus: UNAVAILABLE')), {
    path: `${R}.fault.abort`,
    line: 12,
    column: 9,
    message: 'only one of httpStatus, grpcStatus, http2Error may be set, got httpStatus and grpcStatus',
  });
});

test('§7.3 delay: fixedDelay needs ValidateDuration; exponentialDelay is rejected; both together violate oneOf', () => {
  const at = { line: 12, column: 9 };
  assertOne(validateText(vs('fault:\n  delay:\n    fixedDelay: 0.5ms\n    percentage: {value: 100}')), {
    path: `${R}.fault.delay.fixedDelay`,
    line: 13,
    column: 11,
    message: 'duration must be greater than 1ms, got "0.5ms"',
  });
  assertOne(validateText(vs('fault:\n  delay:\n    exponentialDelay: 1s\n    percentage: {value: 100}')), {
    path: `${R}.fault.delay.exponentialDelay`,
    line: 13,
    column: 11,
    message: 'exponentialDelay not supported yet',
  });
  assertOne(validateText(vs('fault:\n  delay:\n    fixedDelay: 1s\n    exponentialDelay: 1s')), {
    path: `${R}.fault.delay`,
    ...at,
    message: 'only one of fixedDelay, exponentialDelay may be set',
  });
});

test('§7.3 retries.attempts < 0: "attempts cannot be negative"', () => {
  assertOne(validateText(vs('retries:\n  attempts: -1')), {
    path: `${R}.retries.attempts`,
    line: 12,
    column: 9,
    message: 'attempts cannot be negative',
  });
  assertNone(validateText(vs('retries:\n  attempts: 0')));
});

test('§7.3 attempts 0 or absent with perTryTimeout, retryOn or retryRemoteLocalities is an error', () => {
  const message = 'http retry policy configured when attempts are set to 0 (disabled)';
  assertOne(validateText(vs('retries:\n  attempts: 0\n  perTryTimeout: 1s')), {
    path: `${R}.retries.attempts`,
    line: 12,
    column: 9,
    message,
  });
  assertOne(validateText(vs('retries:\n  retryOn: 5xx')), { path: `${R}.retries`, line: 11, column: 7, message });
  assertOne(validateText(vs('retries:\n  attempts: 0\n  retryRemoteLocalities: false')), {
    path: `${R}.retries.attempts`,
    line: 12,
    column: 9,
    message,
  });
  assertNone(
    validateText(vs('retries:\n  attempts: 2\n  perTryTimeout: 1s\n  retryOn: 5xx\n  retryRemoteLocalities: true')),
  );
});

for (const field of ['perTryTimeout', 'backoff']) {
  test(`§7.3 retries.${field}: ValidateDuration`, () => {
    assertOne(validateText(vs(`retries:\n  attempts: 2\n  ${field}: 100us`)), {
      path: `${R}.retries.${field}`,
      line: 13,
      column: 9,
      message: 'duration must be greater than 1ms, got "100us"',
    });
    assertNone(validateText(vs(`retries:\n  attempts: 2\n  ${field}: 25ms`)));
  });
}

test('§7.3 retryOn tokens are split on "," without trimming: " reset" and a trailing comma are invalid', () => {
  const t = (v: string) => validateText(vs(`retries:\n  attempts: 2\n  retryOn: "${v}"`));
  const at = { path: `${R}.retries.retryOn`, line: 13, column: 9 };
  assertOne(t('5xx, reset'), { ...at, message: '" reset" is not a valid retryOn policy' });
  assertOne(t('5xx,'), { ...at, message: '"" is not a valid retryOn policy' });
  assertOne(t('5xx,599'), { ...at, message: '"599" is not a valid retryOn policy' });
  assertOne(t('retriable_4xx'), { ...at, message: '"retriable_4xx" is not a valid retryOn policy' });
  assertNone(t('gateway-error,connect-failure,retriable-status-codes,503'));
  assertNone(
    t(
      '5xx,reset,reset-before-request,retriable-4xx,refused-stream,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable',
    ),
  );
});

test('§7.3 destination subset must be a DNS-1123 label; port number within 1..65535', () => {
  const dest = (extra: string) => vsRoute(`route:\n  - destination:\n      host: productpage\n      ${extra}`);
  assertOne(validateText(dest('subset: v.2')), {
    path: `${R}.route[0].destination.subset`,
    line: 11,
    column: 13,
    message: 'subset name is invalid: v.2',
  });
  assertOne(validateText(dest('port: {number: 0}')), {
    path: `${R}.route[0].destination.port.number`,
    line: 11,
    column: 20,
    message: 'port number 0 must be in the range 1..65535',
  });
  assertNone(validateText(dest('subset: v2')));
  assertNone(validateText(dest('subset: V2'))); // Istio's IsDNS1123Label allows upper case
});

test('a VirtualService without hosts is a delegate, which may not name gateways; it needs http, tcp or tls', () => {
  const noHosts = vsRoute('directResponse: {status: 200}').replace(
    '  hosts: [bookinfo.example.com]\n',
    '  hosts: []\n',
  );
  assertNone(validateText(noHosts));
  assertOne(validateText(noHosts.replace('  http:\n', '  gateways: [bookinfo-gateway]\n  http:\n')), {
    path: 'spec.gateways',
    line: 7,
    column: 3,
    message: 'delegate virtual service must have no gateways specified',
  });
  const noRoutes =
    'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec:\n  hosts: [a]\n';
  assertOne(validateText(noRoutes), {
    path: 'spec',
    line: 4,
    column: 1,
    message: 'http, tcp or tls must be provided in virtual service',
  });
});

test('CRD strict field validation: abort.percent does not exist (it is reserved), so it is rejected', () => {
  const f = validateText(vs('fault:\n  abort:\n    httpStatus: 503\n    percent: 50'));
  assertOne(f, {
    path: `${R}.fault.abort.percent`,
    line: 14,
    column: 11,
    message:
      'unknown field (did you mean "percentage"?); expected one of httpStatus, grpcStatus, http2Error, percentage',
  });
});

test("percentage errors carry Istio's own wording (Go %v: 0.00001 prints as 1e-05) for the webhook denial", () => {
  const [f] = validateText(vs('fault:\n  abort:\n    httpStatus: 503\n    percentage: {value: 0.00001}'));
  assert.is(f.message, 'percentage 0.00001 is neither 0.0, nor in range [0.0001, 100.0]');
  assert.is(f.istio, 'percentage 1e-05 is neither 0.0, nor in range [0.0001, 100.0]');
  assert.equal([1234567, 150, 0.0001, 100.5].map(goFloat), ['1.234567e+06', '150', '0.0001', '100.5']);
});

test.run();
