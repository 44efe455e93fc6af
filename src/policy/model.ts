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
}

/** "spec.http[0].retries.retryOn" */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export const ISTIO_GROUP = 'networking.istio.io';
export const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export const CHECKED_KINDS = ['DestinationRule', 'VirtualService'] as const;
