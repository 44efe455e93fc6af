/**
 * `consecutive5xxErrors: 0` turns ejection off instead of "eject at once" (§3.1). Istio's
 * translation (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go,
 * `applyOutlierDetection`) copies the threshold and sets `enforcing_consecutive_5xx` to 100 only
 * when it is > 0, so an explicit 0 becomes enforcing 0: Envoy counts the 5xx and never ejects.
 * `consecutiveGatewayErrors` is translated the same way, and Envoy's default for its enforcing
 * is already 0; so an explicit 0 there matters only when 5xx ejection is off too — then, with
 * success-rate ejection always disabled by Istio, nothing ejects (unless local-origin failures
 * are split out and counted).
 */
import type { Finding } from './findings.js';
import type { FieldPath, PolicyDoc } from './model.js';
import { num, type Obj, warning } from './lint-util.js';

export function lintEjectionOff(doc: PolicyDoc, path: FieldPath, od: Obj): Finding[] {
  if (num(od.consecutive5xxErrors) !== 0) return [];
  const gateway = num(od.consecutiveGatewayErrors);
  const localOrigin = od.splitExternalLocalOriginErrors === true && (num(od.consecutiveLocalOriginFailures) ?? 0) > 0;
  const at: FieldPath = [...path, 'consecutive5xxErrors'];
  if (gateway !== undefined && gateway > 0) {
    return [
      warning(
        doc,
        'ejection-disabled',
        '§3.1',
        at,
        `consecutive5xxErrors: 0 disables 5xx ejection (Istio sets enforcing_consecutive_5xx to 0); only ${gateway} consecutive ` +
          'gateway errors (502, 503, 504) eject an endpoint, and a 500 resets that count',
      ),
    ];
  }
  const gatewayToo = gateway === 0 ? ' and consecutiveGatewayErrors: 0' : '';
  const rest = localOrigin
    ? 'only local-origin failures (connect errors, timeouts) eject'
    : 'this outlierDetection never ejects an endpoint';
  return [
    warning(
      doc,
      'ejection-disabled',
      '§3.1',
      at,
      `consecutive5xxErrors: 0${gatewayToo} disables ejection, it does not eject at once (Istio sets enforcing_consecutive_5xx ` +
        `to 0, and success-rate ejection is always off): ${rest}; use 1 to eject on the first 5xx`,
    ),
  ];
}
