/**
 * Kubernetes failures → meshproof errors with one sentence a user can act on. client-node
 * 1.x throws `ApiException` (numeric `code`, string `body` holding a `Status`) for HTTP
 * answers and plain `Error`s for transport failures (ecosystem.md "Kubernetes").
 */
import type { ApiException } from '@kubernetes/client-node';
import { loadedClientNode } from './client-node.js';
import { ConfigError, InfraError, type MeshproofError } from '../errors.js';
import { stripUserinfo } from '../util/redact.js';
import { README_CLUSTER_SECTION } from './resources.js';
import { retriesOf } from './api-retry.js';

/** What we were doing when the call failed, for the message. */
export interface CallContext {
  /** Kubernetes verb: get, list, create, update, patch, delete */
  verb: string;
  /** plural resource, e.g. "destinationrules.networking.istio.io" or "pods/proxy" */
  resource: string;
  namespace?: string;
  name?: string;
  /** API server URL, for "cannot reach" */
  server: string;
  /** where the object came from, e.g. "policies/cb.yaml:1:1", for rejected policies */
  source?: string;
}

export function httpCode(err: unknown): number | undefined {
  return isApiException(err) ? err.code : undefined;
}

/** client-node's HTTP-answer error; none can exist before the library is loaded (client-node.ts). */
function isApiException(err: unknown): err is ApiException<unknown> {
  const k8s = loadedClientNode();
  return k8s !== undefined && err instanceof k8s.ApiException;
}

/**
 * The `message` of a Kubernetes Status body, or the raw body. Without a kubeconfig server's
 * userinfo: a transport error quotes the URL it called (`http://TOKEN@host/…`, issue 13 item 12).
 */
export function statusMessage(err: unknown): string {
  return stripUserinfo(rawStatusMessage(err));
}

function rawStatusMessage(err: unknown): string {
  if (!isApiException(err)) return err instanceof Error ? err.message : String(err);
  const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? body;
  } catch {
    // a plain-text answer: APF's and max-in-flight's 429 is `http.Error` → "Too many requests,
    // please try again later.\n" (apiserver filters/maxinflight.go tooManyRequests)
    return body.trim();
  }
}

export function explainApiError(err: unknown, c: CallContext): MeshproofError {
  const where = c.namespace ? ` in namespace "${c.namespace}"` : '';
  const what = `${c.resource}${c.name ? ` "${c.name}"` : ''}`;
  const code = httpCode(err);
  if (code === undefined)
    return new InfraError(
      `cannot reach the Kubernetes API at ${c.server} (${statusMessage(err)}${afterRetries(err)}); is the cluster up and the kubeconfig context right?`,
    );
  if (code === 403)
    return new InfraError(
      `forbidden: the Kubernetes API refused to ${c.verb} ${what}${where} (${statusMessage(err)}); grant the Role in the README section "${README_CLUSTER_SECTION}"`,
    );
  if (code === 401)
    return new InfraError(
      `unauthorized: the Kubernetes API at ${c.server} rejected the credentials of the kubeconfig context (${statusMessage(err)})`,
    );
  const typed = code === 500 ? typedPatchErrors(statusMessage(err)) : [];
  if (typed.length > 0)
    // server-side apply could not type the body against the CRD's schema: the policy is wrong
    // for this cluster (an undeclared field, a wrong type), not the cluster broken
    return Object.assign(
      new ConfigError(
        `${c.source ? `${c.source}: ` : ''}the cluster's schema for ${what} rejects ${typed.map((t) => `${t.path} (${t.problem})`).join(', ')}`,
      ),
      { schemaErrors: typed },
    );
  // e.g. Istio's validating webhook: "admission webhook "validation.istio.io" denied the
  // request"; or the policy's namespace does not exist (NamespaceLifecycle admission answers a
  // create — an apply that creates — with the namespace's own 404)
  const noNamespace = code === 404 && /^namespaces "[^"]*" not found$/.test(statusMessage(err));
  if ((code === 400 || code === 422 || noNamespace) && c.source)
    // a 422 Invalid's causes name the rejected fields (the CRD schema, its CEL rules): the
    // applier points at the first one's line and column (applier.ts atField)
    return Object.assign(new ConfigError(`${c.source}: the cluster rejected ${what}: ${statusMessage(err)}`), {
      schemaErrors: code === 422 ? invalidFields(err) : [],
    });
  return new InfraError(
    `the Kubernetes API answered ${code} to ${c.verb} ${what}${where}: ${statusMessage(err)}${afterRetries(err)}`,
  );
}

/** " (still so after 10 retries over 10 s)" when the retry policy sent the request again (api-retry.ts). */
function afterRetries(err: unknown): string {
  const r = retriesOf(err);
  return r
    ? ` (after ${r.retries} ${r.retries === 1 ? 'retry' : 'retries'} over ${Math.round(r.waitedMs / 1000)} s)`
    : '';
}

/**
 * The fields of a server-side apply the API server could not type (500, no reason):
 * "failed to create typed patch object (NS/NAME; GROUP/VERSION, Kind=KIND): .spec.x: field not
 * declared in schema", several as "errors:\n  .a: …\n  .b: …" — structuredmerge.go Apply
 * wrapping structured-merge-diff's typed validation errors.
 */
export function typedPatchErrors(message: string): { path: string; problem: string }[] {
  const m = /failed to create typed patch object \([^)]*\): ([\s\S]*)$/.exec(message);
  if (!m) return [];
  return m[1]
    .replace(/^errors:\s*/, '')
    .split(/\n\s*/)
    .map((line) => /^(\.[^:]*): (.*)$/.exec(line.trim()))
    .filter((x): x is RegExpExecArray => x !== null)
    .map((x) => ({ path: x[1], problem: x[2] }));
}

/**
 * The object fields a 422 Invalid names (Status details.causes, apierrors.NewInvalid): every
 * cause's field but the nil path ("<nil>": kube-openapi's oneOf/anyOf and "some validation
 * rules were not checked"), as the server writes it — a map key in brackets (field.Path.Key,
 * `matchLabels[app.kubernetes.io/name]`), which the applier reads as one key.
 */
function invalidFields(err: unknown): { path: string; problem: string }[] {
  if (!isApiException(err)) return [];
  try {
    const body = JSON.parse(typeof err.body === 'string' ? err.body : JSON.stringify(err.body)) as {
      details?: { causes?: { field?: string; message?: string }[] };
    };
    return (body.details?.causes ?? [])
      .filter((c) => c.field && c.field !== '<nil>')
      .map((c) => ({ path: c.field!, problem: c.message ?? '' }));
  } catch {
    return [];
  }
}
