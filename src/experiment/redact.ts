/**
 * Request headers as a report echoes them (style.md habit 6: results echo their inputs) —
 * minus their secrets (design.md "Safety rules": never print credentials). A real gateway
 * often sits behind auth, so a scenario's `target.headers` may carry a bearer token, an API
 * key or a session cookie; report.json, `--json` and the CI summary keep the header's name
 * and say its value was withheld.
 */
import type { RequestPlan } from '../load/model.js';

/** What a withheld header value reads as. */
export const REDACTED = '[redacted]';

/** Header names whose values are credentials: the standard ones, and anything named like a secret. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|auth|token|secret|key|password|passwd|session|credential|signature/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** The plan with every secret header value replaced by REDACTED (a copy; the engine's plan is untouched). */
export function redactPlan(plan: RequestPlan): RequestPlan {
  if (!plan.headers) return plan;
  const headers = Object.fromEntries(Object.entries(plan.headers).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : v]));
  return { ...plan, headers };
}
