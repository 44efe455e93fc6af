/**
 * 6. Policy-set scale (issue 13 item 21): a DestinationRule with many subsets and a
 * VirtualService with many routes — the propagation check (checkConfigDump against a
 * config_dump that carries the policy), lint, and report.md. The check's figure is a
 * scaling ratio, machine-independent: time at N divided by 10 × time at N/10. Linear work
 * gives about 1; work quadratic in the routes gives about 10. Target ≤ 2.
 */
import { performance } from 'node:perf_hooks';
import { checkConfigDump, expectedConfig } from '../src/translate/config-dump.js';
import { checkDocs, formatCheckReport } from '../src/policy/check.js';
import { loadPolicyText } from '../src/policy/load.js';
import { figure, type Figure } from './report.js';

export const BENCH = 'policy-scale';

export interface ScaleParams {
  /** VirtualService routes */
  routes: number;
  /** DestinationRule subsets */
  subsets: number;
  /** best of this many timings */
  rounds: number;
}

export const FULL: ScaleParams = { routes: 10_000, subsets: 1_000, rounds: 3 };
export const QUICK: ScaleParams = { routes: 2_000, subsets: 200, rounds: 2 };

export const TARGET_SCALING = { on: 'ratio', op: '<=', limit: 2 } as const;

const HOST = 'bookinfo.example.com';

/** A DR with `subsets` subsets (each with an outlierDetection) and a gateway VS with `routes` routes, as YAML. */
export function policySetYaml(routes: number, subsets: number): string {
  const dr = [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    'metadata: { name: productpage, namespace: default }',
    'spec:',
    '  host: productpage',
    '  trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } }',
    '  subsets:',
    ...Array.from(
      { length: subsets },
      (_, i) =>
        `    - { name: v${i}, labels: { version: v${i} }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } } }`,
    ),
  ];
  const vs = [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata: { name: productpage, namespace: default }',
    'spec:',
    `  hosts: [${HOST}]`,
    '  gateways: [bookinfo-gateway]',
    '  http:',
    ...Array.from(
      { length: routes },
      (_, i) =>
        `    - { match: [{ uri: { prefix: /r${i}/ } }], route: [{ destination: { host: productpage, subset: v${i % subsets} } }], timeout: 2s }`,
    ),
  ];
  return `${dr.join('\n')}\n---\n${vs.join('\n')}\n`;
}

/** A config_dump that carries exactly what `expected` asks for (what a converged gateway shows). */
function convergedDump(objects: object[]): unknown {
  const expected = expectedConfig(objects, 'default');
  const clusters = expected.services.flatMap((s) =>
    ['', ...s.subsets].map((subset) => ({ cluster: s.cluster(9080, subset) })),
  );
  const virtual_hosts = expected.virtualHosts.map((vh) => ({
    name: `${vh.domain}:80`,
    domains: [vh.domain],
    routes: vh.routes,
  }));
  return {
    configs: [{ dynamic_active_clusters: clusters }, { dynamic_route_configs: [{ route_config: { virtual_hosts } }] }],
  };
}

/** Best-of-`rounds` ms of one propagation check at this size; throws when the converged dump does not pass. */
export function checkMs(routes: number, subsets: number, rounds: number): number {
  const objects = loadPolicyText(policySetYaml(routes, subsets), 'scale.yaml').map((d) => d.object);
  const dump = convergedDump(objects);
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const expected = expectedConfig(objects, 'default');
    const result = checkConfigDump(dump, expected);
    best = Math.min(best, performance.now() - t0);
    if (!result.ok) throw new Error(`converged dump not accepted: ${result.reasons.slice(0, 2).join('; ')}`);
  }
  return best;
}

export async function policyScale(p: ScaleParams): Promise<Figure[]> {
  checkMs(p.routes / 10, p.subsets / 10, 1); // warm-up: JIT compilation would otherwise count against the small size
  const small = checkMs(p.routes / 10, p.subsets / 10, p.rounds);
  const large = checkMs(p.routes, p.subsets, p.rounds);
  const docs = loadPolicyText(policySetYaml(p.routes, p.subsets), 'scale.yaml');
  const lintLines = formatCheckReport(checkDocs(['scale.yaml'], docs, { lint: {} })).split('\n').length - 1;
  return [
    figure({
      bench: BENCH,
      name: `propagation check, ${p.routes.toLocaleString('en-US')} routes + ${p.subsets.toLocaleString('en-US')} subsets`,
      value: large,
      unit: 'ms',
      reference: { name: `10 × (${p.routes / 10} routes)`, value: 10 * small },
      target: TARGET_SCALING,
      note: 'ratio ≈ 1 is linear in the policy size, ≈ 10 quadratic',
    }),
    figure({
      bench: BENCH,
      name: `lint output lines, ${p.routes.toLocaleString('en-US')} routes`,
      value: lintLines,
      unit: 'lines',
    }),
  ];
}
