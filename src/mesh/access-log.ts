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
 *
 * As Envoy's formatter fills them (formatter/stream_info_formatter.cc): `%BYTES_RECEIVED%` and
 * `%BYTES_SENT%` are StreamInfo's body byte counts — `ActiveStream::decodeData` adds each request
 * body slice, `ActiveStream::encodeData` each response body slice handed to the codec — so no
 * headers and no chunk framing, a chunked body counted too, a reset stream's bytes as far as it
 * got, a HEAD reply 0 (`d.body`, `d.bytesSent`); `%START_TIME%` and `%DURATION%` run from the
 * stream's start (`startedAt`: the codec's first byte of the request).
 */
export function formatAccessLine(
  d: Downstream,
  status: number,
  startedAt: number,
  now: number,
  wallStart: number,
): string {
  const h = d.req.headers;
  // %DURATION%: StreamInfo currentDuration() — from the stream's start (the codec's first byte of
  // the request) to its end (onRequestComplete) — as whole ms by StreamInfoDurationFormatterProvider
  // extractMillis: std::chrono::duration_cast<milliseconds>, which truncates
  // (formatter/stream_info_formatter.cc, stream_info/stream_info_impl.h)
  const dur = Math.floor(now - startedAt);
  const st = d.serviceTimeMs >= 0 ? String(d.serviceTimeMs) : '-';
  // %PROTOCOL%: Envoy prints HTTP/1.0, HTTP/1.1, HTTP/2 (node's httpVersion for h2c is "2.0")
  const protocol = d.req.httpVersion === '2.0' ? 'HTTP/2' : `HTTP/${d.req.httpVersion}`;
  return (
    `[${new Date(wallStart).toISOString()}] "${d.req.method} ${d.path} ${protocol}" ${status} ${formatFlags(d.flags)} - - "-" ` +
    `${d.body?.length ?? 0} ${d.bytesSent} ${dur} ${st} "${q(h['x-forwarded-for'])}" "${q(h['user-agent'])}" "${q(h['x-request-id'])}" ` +
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
