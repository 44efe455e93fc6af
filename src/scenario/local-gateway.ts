/**
 * The gateway side of a scenario's `local:` section (issue 12 items 3 and 4): how many Envoy
 * workers the local gateway runs, and the network between the load clients and it.
 *
 * ```yaml
 * local:
 *   workers: 2                          # default 2 (why: DEFAULT_LOCAL_WORKERS)
 *   network: { rtt: 60ms, jitter: 10ms }  # default none: loopback
 * ```
 */
import type { ClientNetwork } from '../mesh/client-network.js';
import { NO_NETWORK } from '../mesh/client-network.js';
import type { FieldPath } from '../policy/model.js';
import type { Fields } from './yaml-fields.js';

export interface LocalGateway {
  /** Envoy worker threads emulated, each with its own connection pools (semantics §2.3) */
  workers: number;
  network: ClientNetwork;
}

/**
 * 2 workers: Envoy runs one worker per CPU it is given (`--concurrency`), and an ingress
 * gateway gets 2 — Istio's injector defaults concurrency to 2 and, when told to derive it,
 * takes the CPU limit (`pkg/kube/inject/inject.go` estimateConcurrency), and the gateway chart's
 * limit is 2000m (`manifests/charts/gateway/values.yaml`). Each worker has its own pools and a
 * pool with no connection may always open one (§2.3), so with `maxConnections: 1` a real
 * gateway admits up to 2 connections per endpoint — a single-worker emulation would shed more
 * than the cluster does.
 */
export const DEFAULT_LOCAL_WORKERS = 2;
/** More workers than this is a typo: each one multiplies the pools per endpoint. */
export const MAX_LOCAL_WORKERS = 64;
/** A round trip beyond this (or jitter beyond it) is a typo for a unit, not a network. */
export const MAX_NETWORK_MS = 10_000;

export const LOCAL_GATEWAY_KEYS = ['workers', 'network'] as const;

/** Reads `workers` and `network` under `path` (the `local:` section); mistakes go into `f`. */
export function readLocalGateway(f: Fields, path: FieldPath): LocalGateway {
  const workers =
    f.number([...path, 'workers'], { integer: true, min: 1, max: MAX_LOCAL_WORKERS }) ?? DEFAULT_LOCAL_WORKERS;
  return { workers, network: readNetwork(f, [...path, 'network']) };
}

function readNetwork(f: Fields, path: FieldPath): ClientNetwork {
  if (!f.has(path)) return NO_NETWORK;
  f.keys(path, ['rtt', 'jitter']);
  const rttMs = f.duration([...path, 'rtt'], '60ms', true);
  const jitterMs = f.duration([...path, 'jitter'], '10ms') ?? 0;
  if (rttMs !== undefined && rttMs > MAX_NETWORK_MS)
    f.fail([...path, 'rtt'], `expected at most ${MAX_NETWORK_MS / 1000}s, got ${rttMs} ms`);
  if (jitterMs > MAX_NETWORK_MS)
    f.fail([...path, 'jitter'], `expected at most ${MAX_NETWORK_MS / 1000}s, got ${jitterMs} ms`);
  return { rttMs: rttMs ?? 0, jitterMs };
}

/** "2 workers · client RTT 60 ms ± 10 ms" — the report's target line says what shaped the numbers. */
export function describeLocalGateway(g: LocalGateway): string {
  const parts = [`${g.workers} worker${g.workers === 1 ? '' : 's'}`];
  if (g.network.rttMs > 0 || g.network.jitterMs > 0)
    parts.push(`client RTT ${g.network.rttMs} ms${g.network.jitterMs > 0 ? ` ± ${g.network.jitterMs} ms` : ''}`);
  return parts.join(' · ');
}
