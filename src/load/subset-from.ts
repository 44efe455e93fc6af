/**
 * Which subset served a response (issue 16 item 3). Imported by the built-in engine AND bundled
 * into the k6 script (scripts/resilience.ts), so both engines attribute responses identically:
 * keep it free of Node APIs and of syntax newer than ES2017 (k6 0.4x; see build.mjs).
 *
 * `{ header }`: the value of that response header (meshproof's own attribution header
 * `x-meshproof-subset`, which it sets per route destination of the VirtualService it applies,
 * or one the app sends itself); `{ body }`: the first capture group of a regular expression
 * over the first SUBSET_BODY_BYTES of the body.
 */
export type SubsetFrom = { header: string } | { body: string };

/** One weighted route of the policy: which subset gets which share. */
export interface DeclaredSplit {
  /** "VirtualService default/reviews http[0]" */
  route: string;
  weights: { subset: string; weight: number }[];
}

export interface Attribution {
  subsetFrom: SubsetFrom;
  /** every subset the applied routes name (the k6 script defines its per-subset metrics from them) */
  subsets: string[];
  /** routes with more than one destination, in policy order */
  declared: DeclaredSplit[];
  /** true when meshproof added the attribution header to the applied VirtualServices */
  injected: boolean;
}

/** The response header meshproof adds per destination when it attributes (src/experiment/attribution.ts). */
export const ATTRIBUTION_HEADER = 'x-meshproof-subset';
/** The key of responses no subset could be read from (no header, no regex match, no response). */
export const UNATTRIBUTED = '-';
/** How much body a `{ body }` regex sees: enough for a page's header area, bounded memory per VU. */
export const SUBSET_BODY_BYTES = 16 * 1024;
/** A subset name longer than this is not a subset name (a regex that captured too much). */
export const MAX_SUBSET_NAME = 63;

/** The last regular expression compiled: one per run (the plan's), not one per response. */
let lastSource: string | undefined;
let lastRegExp: RegExp | undefined;
function compiled(source: string): RegExp {
  if (source !== lastSource || !lastRegExp) {
    lastSource = source;
    lastRegExp = new RegExp(source);
  }
  return lastRegExp;
}

/** `headerValue(name)` looks a response header up case-insensitively (null = absent). */
export function subsetOf(
  from: SubsetFrom | undefined,
  headerValue: (name: string) => string | null,
  body: string,
): string {
  if (!from) return UNATTRIBUTED;
  let v: string | null = null;
  if ('header' in from) v = headerValue(from.header.toLowerCase());
  else {
    const m = compiled(from.body).exec(body);
    v = m && m[1] !== undefined ? m[1] : null;
  }
  // several values (add) → the first, as Envoy's route matching takes the first of a repeated header
  if (v !== null) {
    const comma = v.indexOf(',');
    v = (comma < 0 ? v : v.slice(0, comma)).trim(); // no array per response (split)
  }
  return v && v.length <= MAX_SUBSET_NAME ? v : UNATTRIBUTED;
}
