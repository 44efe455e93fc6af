/**
 * VirtualService traps (istio-envoy-semantics.md §1, §4, §5): each warning says what will be
 * observed when the route serves traffic.
 */
import { parseDurationMs } from '../util/duration.js';
import type { Finding } from './findings.js';
import type { FieldPath, PolicyDoc } from './model.js';
import { arr, fqdn, num, obj, present, str, warning, type Obj } from './lint-util.js';
import { DEFAULT_RETRY_ON, RETRIES_PER_TRY_TIMEOUT, retryOnTokens } from './retry-on.js';

/** fqdn → subset names defined by the DestinationRules being linted. */
export type SubsetIndex = Map<string, Set<string>>;

export function lintVirtualService(doc: PolicyDoc, spec: Obj, subsets: SubsetIndex): Finding[] {
  const out: Finding[] = [];
  arr(spec.http).forEach((r, i) => {
    const route = obj(r);
    if (route) out.push(...lintRoute(doc, ['spec', 'http', i], route, subsets));
  });
  return out;
}

function lintRoute(doc: PolicyDoc, path: FieldPath, route: Obj, subsets: SubsetIndex): Finding[] {
  const out: Finding[] = [];
  const forwards = arr(route.route).length > 0; // redirect / directResponse routes never reach the router's retries
  const fault = obj(route.fault);
  const retries = obj(route.retries);
  if (fault && retries && (num(retries.attempts) ?? 0) > 0) {
    out.push(
      warning(
        doc,
        'fault-with-retries',
        '§5.2',
        [...path, 'fault'],
        'fault and retries on one route: aborts are injected before the router, so they are never retried — every ' +
          'injected abort reaches the client; injected delays are not charged to timeout or perTryTimeout',
      ),
    );
  }
  if (forwards && !present(route.retries)) {
    out.push(
      warning(
        doc,
        'default-retries',
        '§4.1',
        path,
        `no retries block, so Istio's default policy applies (2 retries on ${DEFAULT_RETRY_ON}): connect failures are ` +
          'retried invisibly, 5xx responses and timeouts are not; set retries explicitly (attempts: 0 disables them)',
      ),
    );
  }
  if (fault) out.push(...lintFault(doc, [...path, 'fault'], fault));
  if (retries) out.push(...lintRetries(doc, path, route, retries));
  arr(route.route).forEach((d, i) => {
    const dest = obj(obj(d)?.destination);
    const found = dest && lintSubset(doc, [...path, 'route', i, 'destination', 'subset'], dest, subsets);
    if (found) out.push(found);
  });
  return out;
}

/** §5.1: percentage omitted (or 0) → the fault never fires; delay without fixedDelay is dropped. */
function lintFault(doc: PolicyDoc, path: FieldPath, fault: Obj): Finding[] {
  const out: Finding[] = [];
  for (const kind of ['abort', 'delay'] as const) {
    const f = obj(fault[kind]);
    if (!f) continue;
    const value = num(obj(f.percentage)?.value);
    const legacy = kind === 'delay' && !present(f.percentage) ? num(f.percent) : undefined; // delay.percent still works (§5.1)
    if (!value && !legacy) {
      const at: FieldPath = present(f.percentage) ? [...path, kind, 'percentage'] : [...path, kind];
      out.push(
        warning(
          doc,
          'fault-never-fires',
          '§5.1',
          at,
          `${kind} has no percentage (or 0): it never fires; set percentage.value, e.g. 100`,
        ),
      );
    }
    if (kind === 'delay' && !present(f.fixedDelay)) {
      out.push(
        warning(
          doc,
          'fault-never-fires',
          '§5.1',
          [...path, kind],
          'delay has no fixedDelay: Istio drops it silently and no request is delayed',
        ),
      );
    }
  }
  return out;
}

function lintRetries(doc: PolicyDoc, path: FieldPath, route: Obj, retries: Obj): Finding[] {
  const out: Finding[] = [];
  const perTryText = str(retries.perTryTimeout);
  const perTry = perTryText === undefined ? undefined : parseDurationMs(perTryText);
  if (perTry === undefined || perTry <= 0) return out;
  const timeoutText = str(route.timeout);
  const timeout = timeoutText === undefined ? undefined : parseDurationMs(timeoutText);
  const at: FieldPath = [...path, 'retries', 'perTryTimeout'];
  if (timeout !== undefined && timeout > 0 && perTry >= timeout) {
    out.push(
      warning(
        doc,
        'per-try-ge-timeout',
        '§4.1, §4.3',
        at,
        `perTryTimeout ${perTryText} ≥ timeout ${timeoutText}: the per-try timeout is ignored; a slow upstream ends with ` +
          `504 "upstream request timeout" after ${timeoutText} and no retry`,
      ),
    );
  }
  const retryOn = str(retries.retryOn) || DEFAULT_RETRY_ON;
  const tokens = retryOnTokens(retryOn);
  if ((num(retries.attempts) ?? 0) > 0 && !RETRIES_PER_TRY_TIMEOUT.some((t) => tokens.includes(t))) {
    out.push(
      warning(
        doc,
        'per-try-not-retried',
        '§4.1, §4.2',
        at,
        `retryOn "${retryOn}" has none of ${RETRIES_PER_TRY_TIMEOUT.join(', ')}: an attempt that hits perTryTimeout is ` +
          `not retried — the client gets 504 "upstream request timeout" after ${perTryText}`,
      ),
    );
  }
  return out;
}

/** §1: a route to a subset no DestinationRule defines → 503 with an empty body, flag NC. */
function lintSubset(doc: PolicyDoc, path: FieldPath, dest: Obj, subsets: SubsetIndex): Finding | undefined {
  const subset = str(dest.subset);
  const host = str(dest.host);
  if (!subset || !host || host.includes('*')) return undefined;
  const name = fqdn(host, doc.namespace);
  if (subsets.get(name)?.has(subset)) return undefined;
  return warning(
    doc,
    'subset-without-dr',
    '§1',
    path,
    `no DestinationRule among these files defines subset "${subset}" for host ${host}: unless one exists in the ` +
      'cluster, every request on this route gets 503 with an empty body (flag NC)',
  );
}
