/**
 * k6 `options` from a meshproof LoadProfile. The profile already uses k6's executor names and
 * field names (src/load/model.ts), so a scenario is the profile itself, minus empty fields.
 */
import type { LoadProfile } from '../../src/load/model.js';
import { SUMMARY_TREND_STATS } from '../../src/load/k6/metrics/names.js';

/** The scenario's name in k6's output. */
export const SCENARIO = 'meshproof';

export function optionsFor(profile: LoadProfile) {
  const scenario: Record<string, unknown> = {};
  for (const key of Object.keys(profile)) {
    const value = (profile as unknown as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) scenario[key] = value;
  }
  // older k6 (variable_arrival_rate.go, v0.2x) refused an arrival-rate scenario without maxVUs ("the number of maxVUs isn't
  // specified", lib/executor/ramping_arrival_rate.go Validate); later ones default it to
  // preAllocatedVUs. Passing it always means the same on every version.
  if (
    (profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate') &&
    profile.maxVUs === undefined
  ) {
    scenario.maxVUs = profile.preAllocatedVUs;
  }
  scenario.exec = 'default';
  return {
    scenarios: { [SCENARIO]: scenario },
    summaryTrendStats: SUMMARY_TREND_STATS,
    // classify() needs the first bytes of every body (local replies, istio-envoy-semantics.md §1)
    discardResponseBodies: false,
  };
}
