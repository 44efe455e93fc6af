/**
 * Request headers as a report echoes them (style.md habit 6: results echo their inputs) —
 * minus their secrets (design.md "Safety rules": never print credentials). A real gateway
 * often sits behind auth, so a scenario's `target.headers` may carry a bearer token, an API
 * key or a session cookie; report.json, `--json` and the CI summary keep the header's name
 * and say its value was withheld.
 */
/** What a withheld header value reads as. */
export const REDACTED = '[redacted]';

/** Header names whose values are credentials: the standard ones, and anything named like a secret. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|auth|token|secret|key|password|passwd|session|credential|signature/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** The plan with every secret header value replaced by REDACTED (a copy; the engine's plan is untouched). */
export function redactPlan<Plan extends { headers?: Record<string, string> }>(plan: Plan): Plan {
  if (!plan.headers) return plan;
  const headers = Object.fromEntries(
    Object.entries(plan.headers).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : v]),
  );
  return { ...plan, headers };
}

/**
 * `scheme://userinfo@` in a URL: a kubeconfig `server: https://TOKEN@host` (or `user:pw@`)
 * carries a credential there (RFC 3986 §3.2.1: userinfo is what stands between `//` and an
 * `@` before the path). Matched anywhere in a text, since transport errors of the
 * Kubernetes client quote the URL they called.
 */
// greedy up to the last "@" before the path, so a raw "@" inside a password goes too; never past a quote or space
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'<>]*@/gi;

/**
 * The text with every URL's userinfo removed (`http://TOKEN@host:6443` → `http://host:6443`).
 * The one helper for it: the cluster connection's server (hence journal and reports), every
 * report string, and every message main() prints pass through it.
 */
export function stripUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1');
}
