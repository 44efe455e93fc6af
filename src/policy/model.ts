/**
 * Policy documents as loaded from YAML (design.md "Policy model"). Every document keeps where
 * it came from, so every finding can say `policies/x.yaml:12:5: …`.
 */

export interface SourcePos {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

/** A path into a document, e.g. ['spec', 'http', 0, 'retries', 'retryOn']. */
export type FieldPath = (string | number)[];

export interface PolicyDoc {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** the whole object, as plain JSON-compatible data */
  object: Record<string, unknown>;
  /** where the document starts */
  file: string;
  line: number;
  column: number;
  /** 0-based index of the document within its file */
  index: number;
  /** true for DestinationRule / VirtualService of networking.istio.io (v1, v1beta1, v1alpha3) */
  checked: boolean;
  /** position of the node at `path` (or of its nearest existing ancestor) */
  positionOf(path: FieldPath): SourcePos;
  /** the source text of the scalar at `path` (`1e400`, `.nan`), when it is one */
  sourceOf?(path: FieldPath): string | undefined;
}

/** "spec.http[0].retries.retryOn"; a key that is not plain text is quoted: `spec["a b\n"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (!PLAIN_KEY.test(p)) out += `[${JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}…` : p)}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/** Keys printed bare in a path: field names, header names (:authority), label keys like app.kubernetes.io/name. */
const PLAIN_KEY = /^[A-Za-z0-9_$@<:][A-Za-z0-9_./$<>:-]{0,79}$/;

export const ISTIO_GROUP = 'networking.istio.io';
export const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export const CHECKED_KINDS = ['DestinationRule', 'VirtualService'] as const;
