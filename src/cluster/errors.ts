/**
 * Kubernetes failures → meshproof errors with one sentence a user can act on. client-node
 * 1.x throws `ApiException` (numeric `code`, string `body` holding a `Status`) for HTTP
 * answers and plain `Error`s for transport failures (ecosystem.md "Kubernetes").
 */
import { ApiException } from '@kubernetes/client-node';
import { ConfigError, InfraError, type MeshproofError } from '../cli/exit.js';
import { stripUserinfo } from '../experiment/redact.js';

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
  return err instanceof ApiException ? err.code : undefined;
}

/**
 * The `message` of a Kubernetes Status body, or the raw body. Without a kubeconfig server's
 * userinfo: a transport error quotes the URL it called (`http://TOKEN@host/…`, issue 13 item 12).
 */
export function statusMessage(err: unknown): string {
  return stripUserinfo(rawStatusMessage(err));
}

function rawStatusMessage(err: unknown): string {
  if (!(err instanceof ApiException)) return err instanceof Error ? err.message : String(err);
  const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? body;
  } catch {
    return body;
  }
}

export function explainApiError(err: unknown, c: CallContext): MeshproofError {
  const where = c.namespace ? ` in namespace "${c.namespace}"` : '';
  const what = `${c.resource}${c.name ? ` "${c.name}"` : ''}`;
  const code = httpCode(err);
  if (code === undefined)
    return new InfraError(`cannot reach the Kubernetes API at ${c.server} (${statusMessage(err)}); is the cluster up and the kubeconfig context right?`);
  if (code === 403)
    return new InfraError(
      `forbidden: the Kubernetes API refused to ${c.verb} ${what}${where} (${statusMessage(err)}); grant the Role in the README section "Real cluster"`,
    );
  if (code === 401) return new InfraError(`unauthorized: the Kubernetes API at ${c.server} rejected the credentials of the kubeconfig context (${statusMessage(err)})`);
  if ((code === 400 || code === 422) && c.source)
    // e.g. Istio's validating webhook: "admission webhook "validation.istio.io" denied the request"
    return new ConfigError(`${c.source}: the cluster rejected ${what}: ${statusMessage(err)}`);
  return new InfraError(`the Kubernetes API answered ${code} to ${c.verb} ${what}${where}: ${statusMessage(err)}`);
}
