/**
 * The shape of a report.json that `meshproof diff` relies on, checked before anything reads
 * it: a hand-edited, truncated or foreign file is exit 2 naming the first missing or mistyped
 * field and the schema version, never a TypeError (issue 13 item 14). Only what readers use is
 * checked; NaN and ±Infinity were written as null (JSON has no other form), so numbers that
 * can be NaN or open bounds may be null.
 */
import { REPORT_SCHEMA_VERSION } from './model.js';

type Check = (v: unknown, path: string) => string | undefined;

const kind = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : v === undefined
        ? 'nothing'
        : typeof v === 'object'
          ? 'an object'
          : `a ${typeof v}`;
const expect = (ok: boolean, what: string, v: unknown, path: string) =>
  ok ? undefined : `${path}: expected ${what}, got ${kind(v)}`;

const str: Check = (v, p) => expect(typeof v === 'string', 'a string', v, p);
const num: Check = (v, p) => expect(typeof v === 'number', 'a number', v, p);
const numOrNull: Check = (v, p) => expect(typeof v === 'number' || v === null, 'a number or null', v, p);

function obj(fields: Record<string, Check>, optional: readonly string[] = []): Check {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return expect(false, 'an object', v, p);
    for (const [k, check] of Object.entries(fields)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined && optional.includes(k)) continue;
      const problem = check(x, p ? `${p}.${k}` : k);
      if (problem) return problem;
    }
    return undefined;
  };
}

function record(each: Check): Check {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return expect(false, 'an object', v, p);
    for (const [k, x] of Object.entries(v)) {
      const problem = each(x, `${p}.${k}`);
      if (problem) return problem;
    }
    return undefined;
  };
}

function list(each: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return expect(false, 'a list', v, p);
    for (const [i, x] of v.entries()) {
      const problem = each(x, `${p}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const ratio = obj({ count: num, n: num, ratio: numOrNull, lo: numOrNull, hi: numOrNull });
const diffStat = obj({ delta: numOrNull, lo: numOrNull, hi: numOrNull });
const percentile = obj({ value: numOrNull, lo: numOrNull, hi: numOrNull });
const histogram = obj({ hdr: str });
const phase = obj({
  // diff's effects read the `ok` answers' histograms; --absolute, gates and charts the overall one
  result: obj({ histograms: obj({ overall: histogram, byCause: record(histogram) }) }),
  stats: obj({
    requests: num,
    failed: ratio,
    causes: record(ratio),
    statuses: record(ratio),
    percentiles: record(percentile),
  }),
});

const REPORT: Check = obj(
  {
    runId: str,
    createdAt: str,
    scenario: obj({ name: str }),
    target: obj({ kind: str }),
    engine: obj({ name: str }),
    // issue 18; absent before it (report/topology.ts infers it then)
    topology: obj({ engine: str, mesh: str, pods: str, engineNice: num }, ['engineNice']),
    load: obj({ profile: obj({}) }),
    phases: obj({ baseline: phase, policy: phase }),
    comparison: obj({ failed: diffStat, percentiles: record(diffStat) }),
    gates: list(
      obj({
        expression: str,
        metric: str,
        scope: str,
        verdict: str,
        observed: numOrNull,
        interval: list(numOrNull),
        message: str,
      }),
    ),
    verdict: str,
  },
  ['topology'],
);

/** The first problem with `doc` as a report.json of this schema version, or undefined when none. */
export function reportSchemaProblem(doc: unknown): string | undefined {
  const problem = REPORT(doc, '');
  return problem && `${problem} (report schemaVersion ${REPORT_SCHEMA_VERSION})`;
}
