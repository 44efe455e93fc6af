/**
 * Versions of the app (issue 16 item 1): a Deployment per version, as Bookinfo ships
 * `reviews-v1`, `reviews-v2`, `reviews-v3` behind one Service. Every pod carries
 * `app=<service>` and `version=<vN>`; a DestinationRule subset selects pods by those labels
 * (translate.ts `subsetsFor` → cluster metadata → cluster.ts keeps the endpoints whose labels
 * contain the subset's, as Istio's EDS does: `labels.Instance.SubsetOf`, §0).
 */
import { DEFAULT_APP, type PodBehaviour, type PodSpec } from './app-model.js';

/** One version of the app: its pod count and what its pods do (a slow or failing canary). */
export interface VersionSpec {
  /** label value, e.g. "v2" */
  name: string;
  pods: number;
  behaviour: PodBehaviour;
}

/** A Kubernetes label value (RFC 1123-ish, as `version` labels are written): 1–63 chars. */
export const VERSION_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** Pods `<service>-<version>-<i>` for each version, in the order given, labelled app and version. */
export function podsForVersions(service: string, versions: VersionSpec[], base: PodBehaviour): PodSpec[] {
  return versions.flatMap((v) =>
    Array.from({ length: v.pods }, (_, i) => ({
      name: `${service}-${v.name}-${i}`,
      labels: { app: service, version: v.name },
      behaviour: { ...base, ...v.behaviour },
    })),
  );
}

/**
 * `meshproof mesh --versions v1=2,v2=1` → versions with the default behaviour. Returns the
 * problem as text (the CLI raises it as a usage error) or the versions.
 */
export function parseVersionCounts(text: string, maxPods: number): VersionSpec[] | string {
  const out: VersionSpec[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) return `expected VERSION=PODS[,VERSION=PODS…] like "v1=2,v2=1", got ${JSON.stringify(part)}`;
    if (!VERSION_NAME.test(m[1]))
      return `version ${JSON.stringify(m[1])}: expected a label value (letters, digits, "-", "_", ".")`;
    if (out.some((v) => v.name === m[1])) return `version ${m[1]} given twice`;
    const pods = Number(m[2]);
    if (pods < 1) return `version ${m[1]}: expected at least 1 pod, got ${pods}`;
    out.push({ name: m[1], pods, behaviour: {} });
  }
  const total = out.reduce((a, v) => a + v.pods, 0);
  if (total > maxPods) return `expected at most ${maxPods} pods in all, got ${total}`;
  return out;
}

/**
 * The cluster state a versioned app starts from, as Istio's traffic-shifting task sets it up
 * before shifting (samples/bookinfo/networking/destination-rule-all.yaml and
 * virtual-service-all-v1.yaml): a DestinationRule with one subset per version (`version: <v>`)
 * and the gateway's VirtualService sending everything to the first version's subset.
 */
export function versionedObjects(versions: string[]): Record<string, unknown>[] {
  const [vs] = structuredClone(DEFAULT_APP.objects) as {
    spec: { http: { route: { destination: Record<string, unknown> }[] }[] };
  }[];
  for (const r of vs.spec.http) for (const d of r.route) d.destination.subset = versions[0];
  const { name, namespace } = DEFAULT_APP.service;
  const dr = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: { host: name, subsets: versions.map((v) => ({ name: v, labels: { version: v } })) },
  };
  return [dr, vs as unknown as Record<string, unknown>];
}
