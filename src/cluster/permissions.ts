/**
 * Permissions first (issue 13 item 9): before any load, ask the API server whether every verb
 * the run will use is allowed — one `SelfSubjectAccessReview` (authorization.k8s.io/v1, POST
 * /apis/authorization.k8s.io/v1/selfsubjectaccessreviews) per verb — and refuse (exit 3)
 * naming each missing one. Without this, a 403 on patch surfaced only after the whole baseline.
 *
 * The answer's `status` is the authorizer's decision as kube-apiserver builds it
 * (pkg/registry/authorization/selfsubjectaccessreview/rest.go, `Create`): `allowed` true only
 * on DecisionAllow, `denied` true only on an explicit DecisionDeny (RBAC never denies, it has
 * "no opinion", so a missing Role is `allowed: false` alone), `reason` optional, and
 * `evaluationError` when an authorizer failed. Every user may create a SelfSubjectAccessReview
 * (the `system:basic-user` ClusterRole); a server that refuses or lacks the API is not taken as
 * a verdict: the check is skipped with a note and the run goes on, finding out by doing.
 */
import type { V1ResourceAttributes } from '@kubernetes/client-node';
import type { ObjectKey } from '../ports.js';
import { InfraError } from '../errors.js';
import type { Connection } from './kubeconfig.js';
import { statusMessage } from './errors.js';
import { ISTIO_GROUP, PLURALS, README_CLUSTER_SECTION } from './resources.js';
import { apiClient } from './api-client.js';

/** One verb on one resource in one namespace, and why the run needs it. */
export interface AccessNeed {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** undefined = cluster scope */
  namespace?: string;
  why: string;
}

/** A need met when every one of `all` is allowed; `anyOf` lists alternatives (one suffices). */
export type AccessRule = { all: AccessNeed[] } | { anyOf: AccessNeed[][]; why: string };

export interface RunAccess {
  /** every object the run may snapshot, apply and restore */
  keys: ObjectKey[];
  dryRun?: boolean;
  gatewayNamespace: string;
  /** `--target auto`: the gateway Service is looked up */
  discoverTarget: boolean;
}

/**
 * What a run does, as verbs: snapshot (get), server-side apply (patch; create when the object
 * is new), restore (update = PUT, create = re-create, delete = what did not exist); gateway
 * replicas (list pods) and their Envoy admin, through the pod proxy (get pods/proxy) or, where
 * the pod refuses it, a port-forward over WebSocket (get pods/portforward — the verb of the GET
 * handshake — and create, which kube-apiserver ≥ 1.35 also checks, feature gate
 * AuthorizePodWebsocketUpgradeCreatePermission). A dry run only gets and patches (dryRun=All).
 */
export function requiredAccess(run: RunAccess): AccessRule[] {
  const rules: AccessRule[] = [];
  const verbs = run.dryRun ? ['get', 'patch'] : ['get', 'patch', 'create', 'update', 'delete'];
  const seen = new Set<string>();
  for (const key of run.keys) {
    const resource = PLURALS[key.kind];
    if (seen.has(`${resource}/${key.namespace}`)) continue;
    seen.add(`${resource}/${key.namespace}`);
    rules.push({
      all: verbs.map((verb) => ({
        verb,
        group: ISTIO_GROUP,
        resource,
        namespace: key.namespace,
        why: policyWhy(verb),
      })),
    });
  }
  const ns = run.gatewayNamespace;
  rules.push({ all: [{ verb: 'list', group: '', resource: 'pods', namespace: ns, why: 'find the gateway replicas' }] });
  if (run.discoverTarget)
    rules.push({ all: [{ verb: 'list', group: '', resource: 'services', namespace: ns, why: '--target auto' }] });
  if (!run.dryRun) {
    const admin = "read each replica's Envoy /config_dump and /stats";
    rules.push({
      why: admin,
      anyOf: [
        [{ verb: 'get', group: '', resource: 'pods', subresource: 'proxy', namespace: ns, why: admin }],
        ['get', 'create'].map((verb) => ({
          verb,
          group: '',
          resource: 'pods',
          subresource: 'portforward',
          namespace: ns,
          why: admin,
        })),
      ],
    });
  }
  return rules;
}

function policyWhy(verb: string): string {
  return (
    {
      get: 'snapshot',
      patch: 'server-side apply',
      create: 'apply a new object, or re-create a deleted one on restore',
      update: 'exact restore',
      delete: 'restore: remove what did not exist',
    }[verb] ?? verb
  );
}

/** `verb resource[/sub] in namespace "x"`, as the 403 message of errors.ts says it. */
export function needText(n: AccessNeed): string {
  const what = `${n.resource}${n.subresource ? `/${n.subresource}` : ''}${n.group ? `.${n.group}` : ''}`;
  return `${n.verb} ${what}${n.namespace ? ` in namespace "${n.namespace}"` : ''}`;
}

/** Asks one SelfSubjectAccessReview; `undefined` when the server gives no usable answer. */
export type AccessReviewer = (need: AccessNeed) => Promise<{ allowed: boolean; reason?: string } | undefined>;

export function selfSubjectAccessReviewer(conn: Connection): AccessReviewer {
  const api = apiClient(conn, conn.k8s.AuthorizationV1Api);
  return async (need) => {
    const resourceAttributes: V1ResourceAttributes = {
      verb: need.verb,
      group: need.group,
      resource: need.resource,
      subresource: need.subresource,
      namespace: need.namespace,
    };
    const review = await api.createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
    });
    const status = review.status;
    if (!status || typeof status.allowed !== 'boolean') return undefined;
    return { allowed: status.allowed, reason: status.reason || status.evaluationError || undefined };
  };
}

/**
 * Throws InfraError (exit 3) naming every missing verb and why the run needs it. Returns a note
 * when the review API could not be asked (the run then goes on: it used to find out by doing).
 */
export async function checkPermissions(
  rules: AccessRule[],
  review: AccessReviewer,
  server: string,
): Promise<string | undefined> {
  const cache = new Map<string, Promise<{ allowed: boolean; reason?: string } | undefined>>();
  const ask = (n: AccessNeed) => {
    const k = needText(n);
    if (!cache.has(k)) cache.set(k, review(n));
    return cache.get(k)!;
  };
  const missing: string[] = [];
  try {
    // every review at once (each is then read from the cache, in the rules' order): one round
    // trip to a remote API server instead of one per verb
    await Promise.all(rules.flatMap((r) => ('all' in r ? r.all : r.anyOf.flat())).map(ask));
    for (const rule of rules) {
      if ('all' in rule) {
        for (const n of rule.all) if ((await ask(n))?.allowed === false) missing.push(`${needText(n)} (${n.why})`);
        continue;
      }
      const options = await Promise.all(
        rule.anyOf.map(async (group) => Promise.all(group.map(async (n) => ({ n, answer: await ask(n) })))),
      );
      const met = options.some((o) => o.every((x) => x.answer?.allowed !== false));
      if (!met)
        missing.push(
          `${options
            .map((o) =>
              o
                .filter((x) => x.answer?.allowed === false)
                .map((x) => needText(x.n))
                .join(' and '),
            )
            .join(', or ')} (${rule.why})`,
        );
    }
  } catch (err) {
    return `permissions not checked up front: SelfSubjectAccessReview at ${server} failed (${statusMessage(err)}); a missing permission shows when it is used`;
  }
  if (missing.length > 0)
    throw new InfraError(
      `forbidden before any load: the Kubernetes API at ${server} would refuse to ${missing.join('; ')} (asked with SelfSubjectAccessReview); grant the Role in the README section "${README_CLUSTER_SECTION}"`,
    );
  return undefined;
}
