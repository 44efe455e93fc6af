/**
 * The Kubernetes names of what meshproof touches: Istio's two policy kinds
 * (ecosystem.md "Kubernetes": group networking.istio.io, plurals destinationrules /
 * virtualservices) and the labels/annotations we put on what we apply (design.md "Safety
 * rules": label what we apply — run id, expiry).
 */
import type { ObjectKey } from '../ports.js';
import { ISTIO_GROUP } from '../policy/model.js';

export const PLURALS = {
  DestinationRule: 'destinationrules',
  VirtualService: 'virtualservices',
} as const satisfies Record<ObjectKey['kind'], string>;

/** Namespaces meshproof refuses to write to unless `--allow-system-namespaces` is given. */
export const SYSTEM_NAMESPACES = ['kube-system', 'istio-system'] as const;

/** Label (selectable: `kubectl get dr -l meshproof.io/run-id`; ports.ts) and annotations we add on apply. */
export { RUN_ID_LABEL, labelValue } from '../ports.js';
export const RUN_ID_ANNOTATION = 'meshproof.io/run-id';
export const EXPIRES_ANNOTATION = 'meshproof.io/expires-at';

/** The README heading that says how to point meshproof at a cluster (RBAC included); messages cite it. */
export const README_CLUSTER_SECTION = 'Pointing it at a real cluster';

/** The field manager of every server-side apply (design.md "Contracts": fieldManager meshproof). */
export const FIELD_MANAGER = 'meshproof';

/** How long an applied policy is declared valid (annotation only): 1 h outlives any sane run. */
export const DEFAULT_EXPIRY_MS = 60 * 60 * 1000;

export { ISTIO_GROUP };
