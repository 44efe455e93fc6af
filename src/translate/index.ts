/**
 * Istio DestinationRule / VirtualService → Envoy config, the way istiod writes it
 * (istio-envoy-semantics.md §0–§5). Pure functions, no I/O. Field names are Envoy's
 * (config_dump JSON, snake_case), so the local mesh serves them from `/config_dump` and the
 * cluster propagation check compares a real gateway's config_dump against them.
 *
 * One concern per file: envoy.ts (Envoy's types and Istio's defaults), names.ts, cluster.ts
 * (DestinationRule → cluster), route.ts (VirtualService → routes); config-dump.ts and
 * propagation.ts compare a gateway's /config_dump with the translation.
 *
 * Exported API (stable — other parts code against it):
 *   serviceFqdn(host, namespace): string                       short name → FQDN (no dot → `.ns.svc.cluster.local`)
 *   clusterName(fqdn, port, subset?): string                   "outbound|9080|v1|productpage.default.svc.cluster.local"
 *   translateCluster(drs, service: {fqdn, port}, subset?: {name, labels}): EnvoyCluster
 *   subsetsFor(drs, fqdn): {name, labels}[]                    subsets declared for a service by its DRs
 *   translateRoutes(vs, defaultNamespace, portOf?, hashed?): EnvoyRoute[]   hashed(cluster): consistent-hash LB (no previous_hosts)
 *   translateVirtualHosts(vss, defaultNamespace, portOf?, gatewayPort?, hashed?): EnvoyVirtualHost[]
 *   boundToGateway(vs): boolean                                any `gateways` entry other than "mesh"
 *   effectiveTrafficPolicy(drPolicy, subset, port)             §0 precedence (port entry / subset replacement)
 *   translateRetries(retries, consistentHash?) / translateFault(fault)   one VS route's retry_policy / fault filter config
 *   fractionToMillion(p: EnvoyFractionalPercent): number       numerator per million
 *   ISTIO_DEFAULTS, RETRY_BUDGET_DEFAULTS                      the defaults istiod writes (§2.1, §4.1)
 *   types: EnvoyCluster, EnvoyRoute, EnvoyRetryPolicy, EnvoyFault, EnvoyOutlierDetection, …
 *
 * Fidelity notes: values are emitted where istiod sets them (unset Envoy fields are omitted,
 * e.g. outlier `interval` when the DR has none — Envoy then uses its own default, which the mesh
 * applies in src/mesh/cluster-config.ts). Wrapper-typed zeros (e.g. `enforcing_success_rate: 0`)
 * are kept, as Envoy prints them. Compare durations semantically: Envoy prints "0.500s".
 */
export * from './envoy.js';
export * from './names.js';
export * from './cluster.js';
export * from './route.js';
