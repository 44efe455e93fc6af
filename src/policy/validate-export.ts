/**
 * `exportTo` (DestinationRule, VirtualService) and a DestinationRule's `workloadSelector`, as
 * Istio's `validateExportTo` and `validateWorkloadSelector` (pkg/config/validation/validation.go)
 * and `visibility.Instance.Validate` (pkg/config/visibility) check them, with their messages.
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';
import { isDns1123Label } from './names.js';

/** visibility.Instance.Validate for a non-ServiceEntry object. */
function visibilityProblem(v: string): string | undefined {
  if (v === '.' || v === '*') return undefined;
  if (v === '~') return 'exportTo ~ (none) is not allowed for Istio configuration objects';
  if (!isDns1123Label(v)) return 'only .,*,~, or a valid DNS 1123 label is allowed as exportTo entry';
  return undefined;
}

/**
 * validateExportTo. `namespace`: the object's (Istio's `cfg.Namespace`); without one (a file
 * without `metadata.namespace`) `.` is not compared with a namespace name.
 */
export function validateExportTo(
  c: Checker,
  path: FieldPath,
  v: unknown,
  namespace: string | undefined,
  drWithSelector: boolean,
): void {
  const list = (c.list(path, v) ?? []).map((e, i) => c.string([...path, i], e));
  if (list.length === 0) return;
  const set = new Set<string>();
  list.forEach((e, i) => {
    if (e === undefined) return;
    const key = e === '.' && namespace ? namespace : e;
    if (set.has(key)) {
      c.error(
        [...path, i],
        key !== e
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${e}`,
      );
      return;
    }
    const problem = visibilityProblem(key);
    if (problem) c.error([...path, i], problem);
    else set.add(key);
  });
  if (drWithSelector && set.size > 0) {
    const here = namespace ?? '.';
    if (!set.has(here) && !set.has('.')) {
      c.error(path, 'destination rule with workload selector cannot have exportTo beyond current namespace');
    } else if (set.size > 1) {
      c.error(path, 'destination rule with workload selector cannot have multiple entries in exportTo');
    }
  }
  if (set.has('*') && list.length > 1) {
    c.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
  }
}

/** validateWorkloadSelector (type v1beta1 WorkloadSelector: `matchLabels`). */
export function validateWorkloadSelector(c: Checker, path: FieldPath, v: unknown): void {
  const sel = c.object(path, v, ['matchLabels']);
  if (!sel) return;
  const labels = c.object([...path, 'matchLabels'], sel.matchLabels) ?? {};
  for (const [k, value] of Object.entries(labels)) {
    const val = c.string([...path, 'matchLabels', k], value) ?? '';
    const pair = JSON.stringify(`${k}=${val}`);
    if (k === '') c.error([...path, 'matchLabels'], `empty key is not supported in selector: ${pair}`);
    if (k.includes('*') || val.includes('*'))
      c.error([...path, 'matchLabels', k], `wildcard is not supported in selector: ${pair}`);
    // the 1.29 CRD schema's `additionalProperties: {maxLength: 63}` (the apiserver's 422 comes
    // before the webhook, which does not check lengths); kube-openapi counts characters (runes)
    const length = [...val].length;
    if (length > 63)
      c.error([...path, 'matchLabels', k], `label value is ${length} characters; at most 63 are allowed`);
  }
  if (Object.keys(labels).length === 0) c.warn(path, 'workload selector specified without labels');
}
