/**
 * The query options of a write, checked before the body is read, as kube-apiserver's handlers
 * check them (k8s.io/apiserver pkg/endpoints/handlers create.go, update.go, patch.go,
 * delete.go: `validation.Validate{Create,Update,Patch,Delete}Options` → errors.NewInvalid
 * with the GroupKind `<Kind>Options.meta.k8s.io` and no name). The rules are apimachinery
 * pkg/apis/meta/v1/validation/validation.go:
 *
 *  - `dryRun`: every value must be "All" (ValidateDryRun, field.NotSupported) — a `dryRun=true`
 *    is refused, never taken as a dry run nor as a real write
 *  - `fieldValidation`: "", Ignore, Warn or Strict (ValidateFieldValidation)
 *  - `fieldManager`: at most 128 bytes of printable characters (ValidateFieldManager)
 *  - patch: `force` only on apply, `fieldManager` required on apply (ValidatePatchOptions)
 *  - delete: the options are the body's DeleteOptions when there is a body, else the query's
 *    (handlers/delete.go DeleteResource); `propagationPolicy` one of Foreground, Background,
 *    Orphan (ValidateDeleteOptions; its gracePeriodSeconds/orphanDependents rules are not
 *    imitated)
 *
 * Messages are field.Error's ErrorBody (util/validation/field/errors.go): a []string bad value
 * prints as Go's %#v (`[]string{"true"}`), a string quoted, the supported values quoted and
 * joined by ", ".
 */
import type { Obj } from './fields.js';
import { invalid, type Status } from './status.js';
import type { Cause } from './object-meta.js';

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

const FIELD_VALIDATION = ['', 'Ignore', 'Strict', 'Warn'];
const PROPAGATION = ['Foreground', 'Background', 'Orphan'];
/** validation.FieldManagerMaxLength */
const FIELD_MANAGER_MAX = 128;

/** Go's %#v of a []string */
const goStrings = (values: string[]) => `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
const supported = (values: string[]) => `supported values: ${values.map((v) => JSON.stringify(v)).join(', ')}`;

function dryRunCauses(dryRun: string[]): Cause[] {
  if (dryRun.every((v) => v === 'All')) return [];
  return [
    {
      reason: 'FieldValueNotSupported',
      field: 'dryRun',
      message: `Unsupported value: ${goStrings(dryRun)}: ${supported(['All'])}`,
    },
  ];
}

function fieldManagerCauses(manager: string): Cause[] {
  const causes: Cause[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX)
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'fieldManager',
      message: `Too long: must have at most ${FIELD_MANAGER_MAX} bytes`,
    });
  // unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space
  let at = 0;
  for (const ch of manager) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'fieldManager',
        // %q of the manager; JSON's escapes equal Go's for \t \n \r \" \\ only (Go writes \x01, JSON \u0001)
        message: `Invalid value: ${JSON.stringify(manager)}: invalid character ${goRune(ch)} (at position ${at})`,
      });
    at += Buffer.byteLength(ch);
  }
  return causes;
}
/** Go's %#U of a rune that is not printable: `U+0009` (a printable one would add the rune quoted) */
function goRune(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The 422 for a create/update/patch request's query options, or undefined when they are
 * valid. `patchType` is the PATCH content type (apply: application/apply-patch+yaml).
 */
export function optionsRefusal(kind: OptionsKind, url: URL, patchType?: string): Status | undefined {
  const q = url.searchParams;
  const manager = q.get('fieldManager') ?? '';
  const causes: Cause[] = [];
  if (kind === 'PatchOptions') {
    if (patchType !== 'application/apply-patch+yaml') {
      if (q.has('force'))
        causes.push({
          reason: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        });
    } else if (manager === '')
      causes.push({
        reason: 'FieldValueRequired',
        field: 'fieldManager',
        message: 'Required value: is required for apply patch',
      });
  }
  causes.push(...fieldManagerCauses(manager), ...dryRunCauses(q.getAll('dryRun')));
  const fieldValidation = q.get('fieldValidation') ?? '';
  if (!FIELD_VALIDATION.includes(fieldValidation))
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'fieldValidation',
      message: `Unsupported value: ${JSON.stringify(fieldValidation)}: ${supported(FIELD_VALIDATION)}`,
    });
  return refusal(kind, causes);
}

export interface DeleteOptions {
  dryRun: string[];
  preconditions: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
}

/** A DELETE's options: the body's DeleteOptions when it has a body, else the query's. */
export function deleteOptionsOf(body: string, url: URL): DeleteOptions {
  if (body.trim() !== '') {
    const o = JSON.parse(body) as Obj;
    return {
      dryRun: Array.isArray(o.dryRun) ? o.dryRun : [],
      preconditions: o.preconditions ?? {},
      propagationPolicy: o.propagationPolicy,
    };
  }
  const q = url.searchParams;
  return { dryRun: q.getAll('dryRun'), preconditions: {}, propagationPolicy: q.get('propagationPolicy') ?? undefined };
}

/** ValidateDeleteOptions' dryRun and propagationPolicy rules: the 422, or undefined. */
export function deleteOptionsRefusal(o: DeleteOptions): Status | undefined {
  const causes = dryRunCauses(o.dryRun);
  if (o.propagationPolicy !== undefined && !PROPAGATION.includes(o.propagationPolicy))
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'propagationPolicy',
      message: `Unsupported value: ${JSON.stringify(o.propagationPolicy)}: ${supported([...PROPAGATION, 'nil'])}`,
    });
  return refusal('DeleteOptions', causes);
}

function refusal(kind: OptionsKind, causes: Cause[]): Status | undefined {
  if (causes.length === 0) return undefined;
  return invalid(`${kind}.meta.k8s.io`, '', causes, { group: 'meta.k8s.io', kind });
}
