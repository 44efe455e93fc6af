/**
 * The gateway's access log in Istio's default TEXT format (the fields meshproof can fill),
 * with Envoy response flags (§1) — written asynchronously to a file, never synchronously on
 * the request path.
 */
import fs from 'node:fs';
import { formatFlags } from './local-reply.js';
import type { Downstream } from './router.js';

export interface AccessLog {
  write(d: Downstream, status: number, startedAt: number): void;
  close(): Promise<void>;
}

const q = (v: string | string[] | undefined) => (v === undefined ? '-' : Array.isArray(v) ? v.join(',') : v);

/**
 * `[%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% - - "-"
 * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
 * "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER%`
 */
export function formatAccessLine(
  d: Downstream,
  status: number,
  startedAt: number,
  now: number,
  wallStart: number,
): string {
  const h = d.req.headers;
  const dur = Math.round(now - startedAt);
  const st = d.serviceTimeMs >= 0 ? String(d.serviceTimeMs) : '-';
  const sent = Number(d.res.getHeader('content-length') ?? 0);
  // %PROTOCOL%: Envoy prints HTTP/1.0, HTTP/1.1, HTTP/2 (node's httpVersion for h2c is "2.0")
  const protocol = d.req.httpVersion === '2.0' ? 'HTTP/2' : `HTTP/${d.req.httpVersion}`;
  return (
    `[${new Date(wallStart).toISOString()}] "${d.req.method} ${d.path} ${protocol}" ${status} ${formatFlags(d.flags)} - - "-" ` +
    `${d.body?.length ?? 0} ${sent} ${dur} ${st} "${q(h['x-forwarded-for'])}" "${q(h['user-agent'])}" "${q(h['x-request-id'])}" ` +
    `"${q(h.host)}" "${d.upstreamHost}" ${d.clusterName}\n`
  );
}

/** Opens (appends to) the log file; rejects when it cannot be opened, before the mesh serves anything. */
export async function openAccessLog(path: string, now: () => number): Promise<AccessLog> {
  const out = fs.createWriteStream(path, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  const wallOffset = Date.now() - now();
  return {
    write(d, status, startedAt) {
      out.write(formatAccessLine(d, status, startedAt, now(), wallOffset + startedAt));
    },
    close: () => new Promise((resolve) => out.end(() => resolve())),
  };
}
