/**
 * meshproof's generic k6 script: one request per iteration, described by the plan, under the
 * load profile — both passed with `-e`:
 *
 *   k6 run --no-usage-report \
 *     -e MESHPROOF_PLAN='{"method":"GET","baseUrl":"http://127.0.0.1:8080","path":"/productpage","host":"bookinfo.example.com"}' \
 *     -e MESHPROOF_PROFILE='{"executor":"constant-vus","vus":10,"duration":"30s"}' \
 *     -e MESHPROOF_SUMMARY=summary.json dist/k6/resilience.js
 *
 * Every response is classified by the same classify() the built-in engine uses, counted per
 * status and per cause, timed per outcome, bucketed per outcome into log-spaced Counters so
 * the Node side can rebuild mergeable histograms, and counted per second and cause. handleSummary writes MESHPROOF_SUMMARY
 * (or, for MESHPROOF_SUMMARY=stdout, prints it between lib/markers.ts's lines: k6-operator runners).
 */
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { classify, CAUSES, type Cause } from '../src/load/classify.js';
import { SUBSET_BODY_BYTES, subsetOf, UNATTRIBUTED } from '../src/load/subset-from.js';
import type { LoadProfile, RequestPlan } from '../src/load/model.js';
import { BUCKET_COUNT, bucketName, bucketOf } from '../src/load/k6/metrics/buckets.js';
import {
  CAUSE_PREFIX,
  KNOWN_STATUSES,
  LATENCY_PREFIX,
  MAX_TIMELINE_SECONDS,
  SECOND_PREFIX,
  secondCauseName,
  STATUS_CLASSES,
  STATUS_PREFIX,
  statusKey,
  subsetBucketName,
  subsetCauseName,
  subsetKey,
  subsetStatusName,
} from '../src/load/k6/metrics/names.js';
import { optionsFor } from './lib/options.js';
import { SUMMARY_BEGIN, SUMMARY_END, SUMMARY_TO_STDOUT } from '../src/load/k6/metrics/markers.js';
import { toSummaryFile, type K6SummaryData } from '../src/load/k6/metrics/summary-file.js';
import { timelineSeconds } from './lib/timeline.js';

/** Local replies are ≤ ~200 bytes (istio-envoy-semantics.md §1): 256 characters classify every one. */
const BODY_CAPTURE = 256;
/** Where handleSummary writes when MESHPROOF_SUMMARY is not given. */
const DEFAULT_SUMMARY = 'meshproof-summary.json';

function fromEnv<T>(name: string): T {
  const text = __ENV[name];
  if (!text)
    throw new Error(`${name} is not set: pass it with -e ${name}='{…}' (see the comment at the top of resilience.js)`);
  try {
    // `--engine k6-operator` percent-encodes it (src/load/k6-operator/objects.ts operatorJson): the
    // operator's initializer passes `arguments` through `sh -c`, which would strip JSON's quotes
    return JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text)) as T;
  } catch (_e) {
    throw new Error(`${name}: expected JSON, got ${text}`);
  }
}

const plan = fromEnv<RequestPlan>('MESHPROOF_PLAN');
const profile = fromEnv<LoadProfile>('MESHPROOF_PROFILE');

export const options = optionsFor(profile);

// Metrics are defined in the init context (k6 requires it), one per status / cause / bucket / second.
const statusCounters: Record<string, Counter> = {};
for (const code of KNOWN_STATUSES) statusCounters[String(code)] = new Counter(STATUS_PREFIX + code);
for (const cls of STATUS_CLASSES) statusCounters[cls] = new Counter(STATUS_PREFIX + cls);
const causeCounters: Record<string, Counter> = {};
const causeTrends: Record<string, Trend> = {};
for (const cause of CAUSES) {
  causeCounters[cause] = new Counter(CAUSE_PREFIX + cause);
  causeTrends[cause] = new Trend(LATENCY_PREFIX + cause, true);
}
// Latency buckets per cause (the overall histogram is their sum), and per second of the run one
// Trend (count and p95 of that second) and one Counter per cause: the k6 result carries the
// same per-cause histograms and per-second cause timeline as the built-in one.
const buckets: Record<string, Counter[]> = {};
for (const cause of CAUSES) {
  buckets[cause] = [];
  for (let i = 0; i <= BUCKET_COUNT; i++) buckets[cause].push(new Counter(bucketName(cause, i)));
}
const seconds: Trend[] = [];
const secondCauses: Record<string, Counter>[] = [];
for (let t = 0; t < Math.min(MAX_TIMELINE_SECONDS, timelineSeconds(profile)); t++) {
  seconds.push(new Trend(SECOND_PREFIX + t, true));
  const byCause: Record<string, Counter> = {};
  for (const cause of CAUSES) byCause[cause] = new Counter(secondCauseName(t, cause));
  secondCauses.push(byCause);
}

// Per subset the plan declares, plus UNATTRIBUTED `-` (issue 16): cause and status Counters and latency
// buckets, so the Node side rebuilds the same per-subset results the built-in engine records.
interface SubsetMetrics {
  causes: Record<string, Counter>;
  statuses: Record<string, Counter>;
  buckets: Counter[];
}
const subsetMetrics: Record<string, SubsetMetrics> = {};
if (plan.subsetFrom) {
  const names = (plan.subsets || []).concat([UNATTRIBUTED]);
  for (const name of names) {
    const key = subsetKey(name);
    if (subsetMetrics[key]) continue;
    const m: SubsetMetrics = { causes: {}, statuses: {}, buckets: [] };
    for (const cause of CAUSES) m.causes[cause] = new Counter(subsetCauseName(key, cause));
    for (const code of KNOWN_STATUSES) m.statuses[String(code)] = new Counter(subsetStatusName(key, String(code)));
    for (const cls of STATUS_CLASSES) m.statuses[cls] = new Counter(subsetStatusName(key, cls));
    for (let i = 0; i <= BUCKET_COUNT; i++) m.buckets.push(new Counter(subsetBucketName(key, i)));
    subsetMetrics[key] = m;
  }
}

// Every status is an answer from the system under test, not a failure of the tool: an
// expected 503 from a tripped breaker must not read as a k6 error (ecosystem.md). Failures
// are judged from the causes instead.
http.setResponseCallback(http.expectedStatuses({ min: 100, max: 599 }));

const url = plan.baseUrl.replace(/\/$/, '') + plan.path;
const headers: Record<string, string> = {};
for (const k of Object.keys(plan.headers || {})) headers[k] = (plan.headers || {})[k];
if (plan.host) headers.Host = plan.host;

export function setup(): { startMs: number } {
  return { startMs: Date.now() };
}

export default function (data: { startMs: number }): void {
  const res = http.request(plan.method, url, plan.body || null, {
    headers,
    timeout: plan.timeout || '60s',
    responseType: 'text',
    // k6 follows up to 10 redirects by default (internal/cmd/options.go --max-redirects; the
    // CheckRedirect of lib/netext/httpext/request.go): a gateway's 301 (a VirtualService
    // `redirect`) would be counted as the status of wherever it points, possibly off the mesh.
    // The built-in engine records the 3xx itself; so does k6 with redirects: 0
    redirects: 0,
  });
  const full = typeof res.body === 'string' ? res.body : '';
  const body = full.substring(0, BODY_CAPTURE);
  const cause: Cause = classify({ status: res.status, body, overloaded: header(res.headers, 'x-envoy-overloaded') });
  const ms = res.timings.duration;
  if (plan.subsetFrom) {
    const subset =
      res.status === 0
        ? UNATTRIBUTED
        : subsetOf(plan.subsetFrom, (name) => header(res.headers, name), full.substring(0, SUBSET_BODY_BYTES));
    // a subset the plan does not declare is counted as unattributed (its metrics were not defined)
    const m = subsetMetrics[subsetKey(subset)] || subsetMetrics[subsetKey(UNATTRIBUTED)];
    m.causes[cause].add(1);
    m.statuses[statusKey(res.status)].add(1);
    m.buckets[bucketOf(ms)].add(1);
  }
  statusCounters[statusKey(res.status)].add(1);
  causeCounters[cause].add(1);
  causeTrends[cause].add(ms);
  buckets[cause][bucketOf(ms)].add(1);
  // the second the response completed in, as the built-in engine counts it
  const t = Math.floor((Date.now() - data.startMs) / 1000);
  if (t >= 0 && t < seconds.length) {
    seconds[t].add(ms);
    secondCauses[t][cause].add(1);
  }
}

/** k6 canonicalises header names ("X-Envoy-Overloaded"); look them up case-insensitively. */
function header(all: Record<string, string>, name: string): string | null {
  for (const k of Object.keys(all || {})) if (k.toLowerCase() === name) return all[k];
  return null;
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  const file = toSummaryFile(data);
  const line = `meshproof: ${file.counters.http_reqs || 0} requests; causes ${JSON.stringify(pick(file.counters, CAUSE_PREFIX))}\n`;
  // a k6-operator runner: the summary travels in the pod's log, between markers (one line of JSON)
  if (__ENV.MESHPROOF_SUMMARY === SUMMARY_TO_STDOUT)
    return { stdout: `${line}${SUMMARY_BEGIN}\n${JSON.stringify(file)}\n${SUMMARY_END}\n` };
  return {
    [__ENV.MESHPROOF_SUMMARY || DEFAULT_SUMMARY]: JSON.stringify(file),
    stdout: line,
  };
}

function pick(counters: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(counters)) if (k.indexOf(prefix) === 0) out[k.substring(prefix.length)] = counters[k];
  return out;
}
