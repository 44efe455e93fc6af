/**
 * How the local Kubernetes API judges a write, in the real server's order:
 *
 *  1. the CRD's openAPIV3Schema, when the API was given Istio's CRDs (crd-schema.ts): a
 *     server-side apply the schema cannot type is 500 "failed to create typed patch object"
 *     (structuredmerge.go); on create/update an undeclared field is 400 "strict decoding
 *     error" with `fieldValidation=Strict` (what kubectl sends), else pruned; then the
 *     strategy's validation (crd-validation.ts: kube-openapi's schema validator — types,
 *     enums, oneOf, minimum/maximum, maxItems, maxLength, maxProperties, required — and the
 *     CEL rules, with ratcheting on updates) is 422 Invalid with one cause per error. The 400
 *     message shape is modelled on the apiserver's, not captured from one;
 *  2. Istio's validating webhook (istiod, `validation.istio.io`), here meshproof's own
 *     validator (src/policy/validate.ts, the rules `meshproof validate` applies), on create and
 *     update only (pkg/webhooks/validation/server/server.go admitPilot: other operations pass).
 *     Istio answers a Status with only a message, "configuration is invalid: …"
 *     (toAdmissionResponse); the apiserver makes a denial of it as
 *     admission/plugin/webhook/errors/statuserror.go ToStatusErr does: code 0 → 403, reason
 *     Forbidden, details {name, group, kind: the resource}, the message
 *     `<resource.group> "<name>" is forbidden: admission webhook "validation.istio.io" denied
 *     the request: configuration is invalid: …`. What follows is Istio's wording: each
 *     finding's `istio` text (or its message, which is Istio's where meshproof mirrors a Go
 *     rule), without meshproof's field path, joined as go-multierror prints a list (webhookText).
 */
import YAML from 'yaml';
import { loadPolicyText } from '../policy/load.js';
import { validate } from '../policy/validate.js';
import { Severity } from '../policy/findings.js';
import { deletePath, type Obj } from './fields.js';
import { typeErrors, type CrdSet } from './crd-schema.js';
import { schemaErrors } from './crd-validation.js';
import { asCause } from './field-error.js';
import { ISTIO_GROUP, invalid, status, type Status } from './status.js';
import { RESOURCES } from './resources.js';
import type { Cause } from './object-meta.js';

export interface Admission {
  crds: CrdSet | undefined;
  /** run meshproof's validator as Istio's validating webhook */
  webhook: boolean;
}

/** The webhook's name in Istio's ValidatingWebhookConfiguration (istiod-default-validator). */
export const ISTIO_WEBHOOK = 'validation.istio.io';

function schemaOf(crds: CrdSet | undefined, plural: string, version: string): Obj | undefined {
  return crds?.[plural]?.versions.find((v) => v.name === version)?.schema;
}

/** 500 "failed to create typed patch object" for an apply the schema cannot type (a plain error: code 500, no reason). */
export function applyTypeError(
  a: Admission,
  plural: string,
  version: string,
  namespace: string,
  applied: Obj,
): Status | undefined {
  const schema = schemaOf(a.crds, plural, version);
  const errors = schema ? typeErrors(schema, applied) : [];
  if (errors.length === 0) return undefined;
  const what = errors.length === 1 ? errors[0] : `errors:\n  ${errors.join('\n  ')}`;
  const gvk = `${ISTIO_GROUP}/${version}, Kind=${RESOURCES[plural].kind}`;
  return status(
    500,
    '',
    `failed to create typed patch object (${namespace}/${applied.metadata.name}; ${gvk}): ${what}`,
  );
}

/**
 * Field validation while a create/update body is decoded (not apply): with
 * `fieldValidation=Strict` an undeclared field is 400; otherwise it is pruned (structural
 * schema), and with `Warn` — the server's default when the parameter is absent (handlers/rest.go
 * fieldValidation) — each one is a warning, `unknown field "<path>"` (handlers/rest.go
 * addStrictDecodingWarnings → warning.AddWarning), given to `warn`. Prunes `obj` in place.
 */
export function strictDecodingRefusal(
  a: Admission,
  plural: string,
  version: string,
  obj: Obj,
  fieldValidation: string | null,
  warn: (text: string) => void = () => {},
): Status | undefined {
  const schema = schemaOf(a.crds, plural, version);
  if (!schema) return undefined;
  const unknown = typeErrors(schema, obj)
    .filter((e) => e.endsWith(UNDECLARED))
    .map((e) => e.slice(1, e.indexOf(':')));
  const texts = unknown.map((u) => `unknown field "${u}"`);
  if (texts.length > 0 && fieldValidation === 'Strict')
    return status(400, 'BadRequest', `strict decoding error: ${texts.join(', ')}`);
  if (fieldValidation !== 'Ignore') texts.forEach(warn);
  // pruned where the path names no list item (inside lists it is left: not modelled)
  for (const u of unknown) if (!u.includes('[')) deletePath(obj, u.split('.').join('\u0000'), false);
  return undefined;
}

/**
 * The strategy's validation of the object to store (customresource strategy.go Validate /
 * ValidateUpdate): `lead` — the type and metadata causes (object-meta.ts metaCauses) — then the
 * schema's and its CEL rules' errors (crd-validation.ts), in one 422 Invalid. `old` is the
 * stored object on an update, patch or apply to an existing object (ratcheting: its unchanged
 * invalid parts pass); the warnings (ratcheted rule failures, rules not evaluated) go to `warn`.
 */
export function invalidObject(
  a: Admission,
  plural: string,
  version: string,
  obj: Obj,
  lead: Cause[],
  old?: Obj,
  warn: (text: string) => void = () => {},
): Status | undefined {
  const schema = schemaOf(a.crds, plural, version);
  const found =
    schema && !lead.some((c) => c.field === 'kind')
      ? schemaErrors(
          schema,
          obj,
          old,
          lead.map((c) => c.reason),
        )
      : { errors: [], warnings: [] };
  // the warning recorder writes as it goes, whatever the answer (status.ts warnOn)
  found.warnings.forEach(warn);
  const causes = [...lead, ...found.errors.map(asCause)];
  if (causes.length === 0) return undefined;
  return invalid(`${RESOURCES[plural].kind}.${ISTIO_GROUP}`, obj.metadata?.name ?? '', causes);
}

const UNDECLARED = ': field not declared in schema';

/**
 * The error istiod's admitPilot wraps in `fmt.Errorf("configuration is invalid: %v", err)`
 * (pkg/webhooks/validation/server/server.go): one error prints as itself (agent.AppendValidation
 * keeps a lone error unwrapped); several are a go-multierror, whose ListFormatFunc prints
 * "N errors occurred:\n\t* a\n\t* b\n\n". Not reproduced: Istio's own order (code order, and Go map
 * order for header maps; here: document order), and the "1 error occurred:" form a rule that
 * wraps its single error in multierror itself (validateHTTPRetry, validateHTTPFaultInjection) gives.
 */
export function webhookText(messages: string[]): string {
  if (messages.length === 1) return messages[0];
  return `${messages.length} errors occurred:\n\t${messages.map((m) => `* ${m}`).join('\n\t')}\n\n`;
}

/**
 * Istio's validating webhook on the object about to be stored; undefined = admitted. An admitted
 * object's warnings go to `warn`: admitPilot answers `Allowed: true, Warnings:
 * toKubeWarnings(warnings)` (server.go), one text per warning, which the apiserver turns into
 * `Warning` headers with no prefix of its own: the validating dispatcher records each as
 * `warning.AddWarning(ctx, "", w)` (apiserver admission/plugin/webhook/validating/dispatcher.go).
 */
export function webhookDenial(
  a: Admission,
  plural: string,
  obj: Obj,
  warn: (text: string) => void = () => {},
): Status | undefined {
  if (!a.webhook) return undefined;
  const { metadata, ...rest } = obj;
  const plain = { ...rest, metadata: { name: metadata?.name, namespace: metadata?.namespace } };
  const findings = validate(loadPolicyText(YAML.stringify(plain), 'request'));
  const errors = findings.filter((f) => f.severity === Severity.error);
  if (errors.length === 0) {
    for (const f of findings) warn(f.istio ?? f.message);
    return undefined;
  }
  const what = webhookText(errors.map((f) => f.istio ?? f.message));
  const name = metadata?.name || 'Unknown';
  const denied = `admission webhook "${ISTIO_WEBHOOK}" denied the request: configuration is invalid: ${what}`;
  return status(403, 'Forbidden', `${plural}.${ISTIO_GROUP} "${name}" is forbidden: ${denied}`, {
    name,
    group: ISTIO_GROUP,
    kind: plural,
  });
}
