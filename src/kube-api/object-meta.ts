/**
 * The checks kube-apiserver makes on a custom resource's type and object metadata, with their
 * texts:
 *
 *  - the namespace in the body against the URL's (k8s.io/apiserver pkg/registry/rest
 *    EnsureObjectNamespaceMatchesRequestNamespace, called by handlers create.go, update.go and
 *    patch.go applyPatch): unset takes the URL's, another is 400 "the namespace of the provided
 *    object does not match the namespace sent on the request"
 *  - the name in the body against the URL's on update and patch (handlers/rest.go checkName):
 *    400 "the name of the object (X) does not match the name on the URL (Y)"
 *  - apiextensions-apiserver pkg/registry/customresource/validator.go Validate: ValidateTypeMeta
 *    first (a wrong kind is `kind: Invalid value: "X": must be DestinationRule`, and nothing
 *    else is reported), then ValidateObjectMetaAccessor with NameIsDNSSubdomain
 *    (apimachinery/pkg/api/validation/objectmeta.go): a missing name is `metadata.name:
 *    Required value: name or generateName is required`, a bad one fails IsDNS1123Subdomain
 *    (util/validation/validation.go: ≤ 253 characters, the subdomain regex); labels as
 *    metav1validation.ValidateLabels (field `metadata.labels`, keys IsQualifiedName, values
 *    IsValidLabelValue — label-selector.ts has both). These causes lead the schema's in one 422
 *    (validation.ts invalidObject), as the validator appends the schema's after them.
 *
 * Not imitated: generateName's own prefix validation (a name is generated: istio-handler.ts),
 * annotation key/size rules, ownerReferences and finalizer checks; labels are checked in key order (Go walks the map in random order).
 */
import type { Obj } from './fields.js';
import { labelKeyErrors, labelValueErrors } from './label-selector.js';
import { status, type Status } from './status.js';
import { RESOURCES } from './resources.js';

export interface Cause {
  reason: string;
  field: string;
  message: string;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** EnsureObjectNamespaceMatchesRequestNamespace: sets an unset namespace; 400 for another one. */
export function namespaceRefusal(obj: Obj, namespace: string): Status | undefined {
  const own = obj.metadata?.namespace;
  if (own === undefined || own === '' || own === namespace) {
    obj.metadata = { ...(obj.metadata ?? {}), namespace };
    return undefined;
  }
  return status(
    400,
    'BadRequest',
    'the namespace of the provided object does not match the namespace sent on the request',
  );
}

/** handlers/rest.go checkName (the namespace half is unreachable after namespaceRefusal). */
export function nameRefusal(obj: Obj, name: string): Status | undefined {
  const own = obj.metadata?.name ?? '';
  if (own === name) return undefined;
  return status(400, 'BadRequest', `the name of the object (${own}) does not match the name on the URL (${name})`);
}

/** customResourceValidator.Validate's type and metadata causes (the schema's come after). */
export function metaCauses(obj: Obj, plural: string): Cause[] {
  const kind = RESOURCES[plural].kind;
  if (obj.kind !== undefined && obj.kind !== kind)
    return [
      {
        reason: 'FieldValueInvalid',
        field: 'kind',
        message: `Invalid value: ${JSON.stringify(obj.kind)}: must be ${kind}`,
      },
    ];
  const causes: Cause[] = [];
  const name: string = obj.metadata?.name ?? '';
  if (name === '')
    causes.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  else {
    const bad = (msg: string) =>
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(name)}: ${msg}`,
      });
    if (name.length > 253) bad('must be no more than 253 characters');
    if (!SUBDOMAIN.test(name)) bad(SUBDOMAIN_MSG);
  }
  const labels = (obj.metadata?.labels ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(labels).sort()) {
    const value = String(labels[key] ?? '');
    for (const msg of labelKeyErrors(key))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: ${JSON.stringify(key)}: ${msg}`,
      });
    for (const msg of labelValueErrors(value))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
      });
  }
  return causes;
}
