/**
 * DestinationRule traps (istio-envoy-semantics.md §0, §2, §3): each warning says what will be
 * observed when the policy runs, not just what is unusual about the YAML.
 */
import type { Finding } from './findings.js';
import type { FieldPath, PolicyDoc } from './model.js';
import { lintEjectionOff } from './lint-ejection-off.js';
import { num, obj, present, str, trafficPolicies, warning, type Obj } from './lint-util.js';

export interface DrLintOptions {
  /** gateway (or client) proxy replicas; circuit-breaker limits multiply by this (§0) */
  replicas?: number;
}

/** Istio's value for maxEjectionPercent when it is unset or 0 (§3.1). */
const DEFAULT_MAX_EJECTION_PERCENT = 10;

/** Circuit-breaker thresholds counted per proxy instance (§0 "Circuit-breaker scope"). */
const PER_PROXY_LIMITS = [
  ['tcp', 'maxConnections'],
  ['http', 'http1MaxPendingRequests'],
  ['http', 'http2MaxRequests'],
  ['http', 'maxRetries'],
] as const;

export function lintDestinationRule(doc: PolicyDoc, spec: Obj, opts: DrLintOptions): Finding[] {
  const out: Finding[] = [];
  for (const { path, policy } of trafficPolicies(spec)) {
    const pool = obj(policy.connectionPool);
    if (pool) out.push(...lintPool(doc, [...path, 'connectionPool'], pool, opts));
    const od = obj(policy.outlierDetection);
    if (od)
      out.push(
        ...lintOutlier(doc, [...path, 'outlierDetection'], od),
        ...lintEjectionOff(doc, [...path, 'outlierDetection'], od),
      );
    if (str(obj(policy.loadBalancer)?.simple) === 'LEAST_CONN') {
      out.push(
        warning(
          doc,
          'least-conn-alias',
          '§3.4',
          [...path, 'loadBalancer', 'simple'],
          "LEAST_CONN is a deprecated alias: istiod configures Envoy's LEAST_REQUEST (the less busy of two random endpoints, " +
            'counting active requests, not connections) — the same as leaving loadBalancer unset; write LEAST_REQUEST',
        ),
      );
    }
  }
  return out;
}

function lintPool(doc: PolicyDoc, path: FieldPath, pool: Obj, opts: DrLintOptions): Finding[] {
  const out: Finding[] = [];
  const tcp = obj(pool.tcp) ?? {};
  const http = obj(pool.http) ?? {};
  // Requests wait in the pending queue only when connections are capped (§2.2 tryCreateConnection);
  // without maxConnections every request gets its own connection and nothing queues.
  const maxConnections = num(tcp.maxConnections);
  if (maxConnections && !num(http.http1MaxPendingRequests)) {
    const cause = `tcp.maxConnections is ${maxConnections} but `;
    out.push(
      warning(
        doc,
        'no-pending-limit',
        '§2.1, §2.2',
        path,
        `${cause}http.http1MaxPendingRequests is unset (0 means unset = 4294967295): under overload requests queue ` +
          'without bound, so expect latency to grow instead of fast 503 overflow responses',
      ),
    );
  }
  for (const [group, field] of PER_PROXY_LIMITS) {
    const limit = num((group === 'tcp' ? tcp : http)[field]);
    if (!limit) continue; // 0 is "unset" (§2.1): no limit to multiply
    out.push(
      warning(doc, 'per-replica-limits', '§0', [...path, group, field], perReplicaMessage(limit, opts.replicas)),
    );
  }
  return out;
}

function perReplicaMessage(limit: number, replicas: number | undefined): string {
  const scope = 'the limit counts per proxy instance (each gateway replica, each client sidecar), not per service';
  if (replicas === undefined)
    return `${scope}: N replicas admit N × ${limit}; pass --replicas N to see the effective limit`;
  return `${scope}: effective limit = ${limit} × ${replicas} = ${limit * replicas}`;
}

/**
 * §3.2 ejection cap (current Envoy, `DetectorImpl::ejectHost`): one more ejection only if
 * 100·(ejected+1)/n ≤ p, so at most ⌊n·p/100⌋ of n endpoints are ejected at once.
 */
export function maxEjectable(endpoints: number, percent: number): number {
  return Math.floor((endpoints * Math.min(100, percent)) / 100);
}

function ejectableMessage(p: number): string {
  const smallest = Math.ceil(100 / p);
  const examples = [smallest, 2 * smallest, 3 * smallest].map((n) => `${maxEjectable(n, p)} of ${n}`).join(', ');
  return (
    `Envoy ejects an endpoint only while 100·(ejected+1)/endpoints ≤ ${p}, i.e. at most ⌊n·${p}/100⌋ of n endpoints ` +
    `(${examples}) — none at all with fewer than ${smallest} endpoints, so a failing endpoint stays in rotation and ` +
    'outlier detection does nothing; set maxEjectionPercent to at least ⌈100/n⌉ to eject one of n (34 for 3 endpoints — 33 ejects none — 50 for 2, 100 for one)'
  );
}

function lintOutlier(doc: PolicyDoc, path: FieldPath, od: Obj): Finding[] {
  const out: Finding[] = [];
  if (!num(od.maxEjectionPercent)) {
    out.push(
      warning(
        doc,
        'max-ejection-percent-default',
        '§3.1, §3.2',
        present(od.maxEjectionPercent) ? [...path, 'maxEjectionPercent'] : path,
        `maxEjectionPercent is unset (0 counts as unset) so Istio uses ${DEFAULT_MAX_EJECTION_PERCENT} %: ${ejectableMessage(DEFAULT_MAX_EJECTION_PERCENT)}`,
      ),
    );
  }
  const deprecated = num(od.consecutiveErrors);
  if (deprecated) {
    out.push(
      warning(
        doc,
        'consecutive-errors-ignored',
        '§3.1',
        [...path, 'consecutiveErrors'],
        `consecutiveErrors is deprecated and ignored: ejection uses Envoy's default of 5 consecutive 5xx, not ${deprecated}; ` +
          'use consecutive5xxErrors (or consecutiveGatewayErrors)',
      ),
    );
  }
  if (!num(od.minHealthPercent)) {
    const base = typeof od.baseEjectionTime === 'string' ? od.baseEjectionTime : '30s';
    out.push(
      warning(
        doc,
        'panic-mode-off',
        '§3.1, §3.3',
        path,
        'outlierDetection sets the panic threshold to minHealthPercent (0 here), which turns panic mode off: once every ' +
          `endpoint is ejected (a one-endpoint service with maxEjectionPercent 100, after its first ejection) requests get 503 "no healthy upstream" ` +
          `for the whole ejection time (baseEjectionTime ${base}, longer on each re-ejection)`,
      ),
    );
  }
  return out;
}
