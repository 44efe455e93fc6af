/**
 * A VirtualService's `hosts` and `gateways` as Istio's `ValidateVirtualService` and
 * `validateGatewayNames` (pkg/config/validation/validation.go) check them, with their messages.
 * Same code in the revisions read for 1.22-era and current Istio.
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';
import { fqdnProblem, isDns1123Label, isIpAddress, wildcardDomainProblem } from './names.js';

/** constants.IstioMeshGateway: the reserved gateway name for sidecars. */
export const MESH_GATEWAY = 'mesh';

/** Where a VirtualService applies (ValidateVirtualService's appliesToMesh / appliesToGateway). */
export interface VsBinding {
  /** no hosts: a delegate VirtualService */
  delegate: boolean;
  /** bound to at least one gateway and not to `mesh` (isGateway) */
  appliesToGateway: boolean;
}

export function validateHostsAndGateways(c: Checker, spec: Record<string, unknown>): VsBinding {
  const hosts = (c.list(['spec', 'hosts'], spec.hosts) ?? []).map((h, i) => c.string(['spec', 'hosts', i], h));
  const gateways = (c.list(['spec', 'gateways'], spec.gateways) ?? []).map((g, i) =>
    c.string(['spec', 'gateways', i], g),
  );
  const delegate = hosts.length === 0;
  if (delegate) {
    // no hosts = a delegate VirtualService (ENABLE_VIRTUAL_SERVICE_DELEGATE, on by default)
    if (gateways.length > 0) c.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified');
    if ((c.list(['spec', 'tls'], spec.tls) ?? []).length > 0)
      c.error(['spec', 'tls'], 'delegate virtual service must have no tls route specified');
    if ((c.list(['spec', 'tcp'], spec.tcp) ?? []).length > 0)
      c.error(['spec', 'tcp'], 'delegate virtual service must have no tcp route specified');
  }
  let appliesToGateway = false;
  if (gateways.length > 0) {
    validateGatewayNames(c, ['spec', 'gateways'], gateways);
    appliesToGateway = !gateways.includes(MESH_GATEWAY); // isGateway
  }
  // ValidateVirtualService: each host a wildcard domain (or an IP address); `*` not on the mesh.
  // Bound to a gateway Istio calls ValidateWildcardDomainForVirtualServiceBoundToGateway, which
  // differs only for `outbound_…` SNI hosts of tls routes (not modelled).
  let allValid = true;
  hosts.forEach((h, i) => {
    if (h === undefined) {
      allValid = false;
      return;
    }
    const problem = wildcardDomainProblem(h);
    if (problem) {
      if (!isIpAddress(h)) {
        c.error(['spec', 'hosts', i], problem);
        allValid = false;
      }
    } else if (!appliesToGateway && h === '*') {
      c.error(['spec', 'hosts', i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allValid = false;
    }
  });
  if (allValid) {
    const names = hosts as string[];
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        if (hostsMatch(names[i], names[j])) {
          c.error(['spec', 'hosts', j], `duplicate hosts in virtual service: ${names[i]} & ${names[j]}`);
        }
      }
    }
  }
  return { delegate, appliesToGateway };
}

/**
 * validateGatewayNames, including its quirk: a name without a `/` is checked (ValidateFQDN, with a
 * warning for the legacy `name.namespace` form) and then the function *returns*, so the names
 * after it in the list are not looked at.
 */
export function validateGatewayNames(c: Checker, path: FieldPath, names: (string | undefined)[]): void {
  for (const [i, name] of names.entries()) {
    if (name === undefined) continue;
    const at: FieldPath = [...path, i];
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        const recommended = `${parts[1]}/${parts[0]}`;
        c.warn(
          at,
          `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: ${JSON.stringify(recommended)}`,
        );
      }
      const problem = fqdnProblem(name);
      if (problem) c.error(at, problem);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') c.error(at, 'config namespace and gateway name cannot be empty');
    if (!isDns1123Label(ns)) c.error(at, `invalid value for namespace: ${JSON.stringify(ns)}`);
    if (!isDns1123Label(gw)) c.error(at, `invalid value for gateway name: ${JSON.stringify(gw)}`);
  }
}

/** host.Name.Matches (pkg/config/host/name.go): equal, or one wildcard covers the other. */
export function hostsMatch(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}
