/**
 * Issue 13 item 20, istio-envoy-semantics.md §3.1: `consecutive5xxErrors: 0` disables ejection
 * (Istio's applyOutlierDetection sets enforcing_consecutive_5xx = 100 only for a value > 0).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Finding } from '../../src/policy/findings.js';
import { dr, lintText } from './helpers.js';

const rule = (findings: Finding[]) => findings.filter((f) => f.rule === 'ejection-disabled');
const TP = 'spec.trafficPolicy';

test('§3.1 consecutive5xxErrors: 0 alone: the outlierDetection never ejects, said at the field', () => {
  const [f, ...more] = rule(lintText(dr('outlierDetection:\n  consecutive5xxErrors: 0\n  maxEjectionPercent: 100')));
  assert.is(more.length, 0);
  assert.is(`${f.line}:${f.column} ${f.path}`, `9:7 ${TP}.outlierDetection.consecutive5xxErrors`);
  assert.is(f.section, '§3.1');
  assert.is(
    f.message,
    'consecutive5xxErrors: 0 disables ejection, it does not eject at once (Istio sets enforcing_consecutive_5xx to 0, and ' +
      'success-rate ejection is always off): this outlierDetection never ejects an endpoint; use 1 to eject on the first 5xx',
  );
});

test('§3.1 consecutive5xxErrors: 0 with consecutiveGatewayErrors: 0 names both', () => {
  const [f] = rule(lintText(dr('outlierDetection:\n  consecutive5xxErrors: 0\n  consecutiveGatewayErrors: 0')));
  assert.match(f.message, /^consecutive5xxErrors: 0 and consecutiveGatewayErrors: 0 disables ejection/);
});

test('§3.1 consecutive5xxErrors: 0 with consecutiveGatewayErrors: 3: only gateway errors eject', () => {
  const [f] = rule(lintText(dr('outlierDetection:\n  consecutive5xxErrors: 0\n  consecutiveGatewayErrors: 3')));
  assert.is(
    f.message,
    'consecutive5xxErrors: 0 disables 5xx ejection (Istio sets enforcing_consecutive_5xx to 0); only 3 consecutive gateway ' +
      'errors (502, 503, 504) eject an endpoint, and a 500 resets that count',
  );
});

test('§3.1 local-origin failures still eject when split out', () => {
  const [f] = rule(
    lintText(
      dr(
        'outlierDetection:\n  consecutive5xxErrors: 0\n  splitExternalLocalOriginErrors: true\n  consecutiveLocalOriginFailures: 2',
      ),
    ),
  );
  assert.match(f.message, /only local-origin failures \(connect errors, timeouts\) eject/);
});

test('§3.1 no warning for 1, for an unset threshold (Envoy default 5) or for consecutiveGatewayErrors: 0 alone', () => {
  for (const od of ['consecutive5xxErrors: 1', 'interval: 1s', 'consecutiveGatewayErrors: 0']) {
    assert.equal(rule(lintText(dr(`outlierDetection:\n  ${od}`))), [], od);
  }
});

test('§3.1 the warning is given per traffic policy: top level and a subset', () => {
  const text = dr('outlierDetection:\n  consecutive5xxErrors: 0').replace(
    /\n$/,
    '\n  subsets:\n    - name: v1\n      labels: {version: v1}\n      trafficPolicy:\n        outlierDetection: {consecutive5xxErrors: 0}\n',
  );
  assert.equal(
    rule(lintText(text)).map((f) => f.path),
    [
      `${TP}.outlierDetection.consecutive5xxErrors`,
      'spec.subsets[0].trafficPolicy.outlierDetection.consecutive5xxErrors',
    ],
  );
});

test.run();
