/**
 * The local mesh's application model: one service behind the ingress gateway, served by a
 * set of simulated pods, plus the Istio objects that exist before any experiment (the
 * "cluster state" a policy changes and a restore returns to). Scenario files carry this
 * under `local:`; `meshproof mesh` uses DEFAULT_APP when given none.
 */

import { DEFAULT_NAMESPACE } from '../ports.js';
import type { ProxyVersion } from './proxy.js';

/** How long a pod takes to answer. */
export type LatencyModel =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** lognormal fitted to a median and a 99th percentile */
  | { kind: 'lognormal'; p50Ms: number; p99Ms: number };

/**
 * What a pod does with a connection or request. Can change while the mesh runs.
 * serve: answer after `latency`, failing with `errors.status` at `errors.rate`;
 * refuse: the port is closed (connect → ECONNREFUSED);
 * hang: accept and never answer; close: accept, read the request, close before headers.
 */
export type PodMode = 'serve' | 'refuse' | 'hang' | 'close';

export interface PodBehaviour {
  mode?: PodMode;
  latency?: LatencyModel;
  errors?: { status: number; rate: number };
  /**
   * Simulated TCP handshake time as the gateway sees it (loopback connects in ~0.1 ms): the
   * gateway treats a new connection to this pod as established only after this long, so
   * cold-pool admission (§2.2) and `tcp.connectTimeout` can be exercised. Default 0.
   */
  connectDelayMs?: number;
}

export interface PodSpec {
  /** e.g. "productpage-v1-0" */
  name: string;
  labels: Record<string, string>;
  behaviour: PodBehaviour;
}

export interface AppModel {
  service: {
    /** short name, e.g. "productpage" */
    name: string;
    namespace: string;
    /** service port, as in a Kubernetes Service (Envoy cluster outbound|PORT||FQDN) */
    port: number;
  };
  /** the Host header clients send to the gateway */
  gatewayHost: string;
  pods: PodSpec[];
  /** Istio objects present before the experiment (e.g. the VirtualService binding the host) */
  objects: Record<string, unknown>[];
  /**
   * The gateway's Envoy where its rules changed between releases (src/mesh/proxy.ts; scenario
   * `local.proxy`). Unset = current Envoy; `envoy-1.26` = the rules of Envoy ≤ 1.27 (the pre-1.28
   * outlier ejection cap and multiplier decay, h2 resets with NO_ERROR), for workshops on Istio ≤ 1.19.
   */
  proxy?: ProxyVersion;
}

export { DEFAULT_NAMESPACE };

/** The demo world: Bookinfo's productpage behind `bookinfo-gateway`, 3 pods of ~25 ms. */
export const DEFAULT_APP: AppModel = {
  service: { name: 'productpage', namespace: DEFAULT_NAMESPACE, port: 9080 },
  gatewayHost: 'bookinfo.example.com',
  pods: [0, 1, 2].map((i) => ({
    name: `productpage-v1-${i}`,
    labels: { app: 'productpage', version: 'v1' },
    behaviour: { mode: 'serve', latency: { kind: 'lognormal', p50Ms: 25, p99Ms: 60 } },
  })),
  objects: [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'productpage', namespace: DEFAULT_NAMESPACE },
      spec: {
        hosts: ['bookinfo.example.com'],
        gateways: ['bookinfo-gateway'],
        http: [
          {
            match: [{ uri: { prefix: '/' } }],
            route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
          },
        ],
      },
    },
  ],
};
