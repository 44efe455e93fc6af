/**
 * What the API server serves in the networking.istio.io group, so that a typo there
 * (`kind: DestinationRules`, `networking.istio.io/v2`) is an error and not a silent
 * "not checked": `kubectl apply` would answer it with "no matches for kind". Other groups stay
 * "not checked" — meshproof cannot know which CRDs a cluster has installed.
 *
 * Kinds and versions as Istio's CRDs publish them (istio/api
 * `kubernetes/customresourcedefinitions.gen.yaml`): DestinationRule, Gateway and VirtualService
 * checked against ../shared/data/istio-crds (1.22.8 and 1.29.6 both serve v1, v1alpha3,
 * v1beta1); the other kinds as listed by the kopium bindings generated from the same CRDs
 * (docs.rs kcr_networking_istio_io): EnvoyFilter only v1alpha3, ProxyConfig only v1beta1.
 */
import { ISTIO_GROUP } from './model.js';

const ALL = ['v1', 'v1alpha3', 'v1beta1'] as const;

export const ISTIO_NETWORKING_KINDS: Readonly<Record<string, readonly string[]>> = {
  DestinationRule: ALL,
  EnvoyFilter: ['v1alpha3'],
  Gateway: ALL,
  ProxyConfig: ['v1beta1'],
  ServiceEntry: ALL,
  Sidecar: ALL,
  VirtualService: ALL,
  WorkloadEntry: ALL,
  WorkloadGroup: ALL,
};

/** Why `apiVersion`/`kind` cannot exist in networking.istio.io; undefined when served or another group. */
export function unservedIstioKind(
  apiVersion: string,
  kind: string,
): { field: 'kind' | 'apiVersion'; message: string } | undefined {
  const [group, version = ''] = apiVersion.split('/');
  if (group !== ISTIO_GROUP) return undefined;
  const versions = Object.hasOwn(ISTIO_NETWORKING_KINDS, kind) ? ISTIO_NETWORKING_KINDS[kind] : undefined;
  if (!versions) {
    const near = Object.keys(ISTIO_NETWORKING_KINDS).find(
      (k) => k.toLowerCase() === kind.toLowerCase().replace(/s$/, ''),
    );
    return {
      field: 'kind',
      message:
        `${JSON.stringify(kind)} is not a kind of ${ISTIO_GROUP}${near ? ` (did you mean "${near}"?)` : ''}; ` +
        `Istio serves ${Object.keys(ISTIO_NETWORKING_KINDS).join(', ')}`,
    };
  }
  if (!versions.includes(version)) {
    return {
      field: 'apiVersion',
      message: `${JSON.stringify(apiVersion)}: Istio serves ${kind} as ${versions.map((v) => `${ISTIO_GROUP}/${v}`).join(', ')}`,
    };
  }
  return undefined;
}
