/**
 * VirtualService `hosts` and `gateways` as Istio's webhook checks them (istio-envoy-semantics.md
 * §7.3; Istio `ValidateVirtualService`, `validateGatewayNames`, agent `ValidateWildcardDomain` /
 * `ValidateFQDN`, host.Name.Matches). Every case here passed meshproof before and is refused by
 * istiod (or the reverse, where said), so `run` would fail on a real cluster mid-experiment.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNone, assertOne, validateText, vsSpec } from './helpers.js';

/** hosts as a block list from line 7 (column 5), optional gateways, one route. */
const withHosts = (hosts: string[], gateways?: string[]) =>
  vsSpec(
    `hosts:\n${hosts.map((h) => `  - "${h}"`).join('\n')}\n` +
      (gateways ? `gateways:\n${gateways.map((g) => `  - "${g}"`).join('\n')}\n` : '') +
      'http:\n  - route:\n      - destination: {host: productpage}',
  );

test('§7.3 hosts: each a (wildcard) domain name or an IP address; a port is not part of a host', () => {
  assertOne(validateText(withHosts(['productpage:9080'])), {
    path: 'spec.hosts[0]',
    line: 7,
    column: 7,
    message: 'domain name "productpage:9080" invalid (label "productpage:9080" invalid)',
  });
  assertOne(validateText(withHosts(['shop.example.123'])), {
    path: 'spec.hosts[0]',
    line: 7,
    column: 7,
    message: 'domain name "example.123" invalid (top level domain "123" cannot be all-numeric)',
  });
  // an IP address fails ValidateWildcardDomain but ValidateVirtualService lets it through
  for (const ok of ['10.0.0.1', '::1', 'productpage', '*.example.com', 'Shop.Example.com', 'shop.example.com.']) {
    assertNone(validateText(withHosts([ok])));
  }
});

test('§7.3 hosts: "*" is refused for the mesh (no gateways, or "mesh" among them), allowed on a gateway only', () => {
  const want = {
    path: 'spec.hosts[0]',
    line: 7,
    column: 7,
    message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway',
  };
  assertOne(validateText(withHosts(['*'])), want);
  assertOne(validateText(withHosts(['*'], ['bookinfo-gateway', 'mesh'])), want);
  assertNone(validateText(withHosts(['*'], ['bookinfo-gateway'])));
});

test('§7.3 hosts: duplicates, literal or covered by a wildcard (host.Name.Matches), are errors', () => {
  assertOne(validateText(withHosts(['*.example.com', 'shop.example.com'])), {
    path: 'spec.hosts[1]',
    line: 8,
    column: 7,
    message: 'duplicate hosts in virtual service: *.example.com & shop.example.com',
  });
  assertOne(validateText(withHosts(['a.example.com', 'a.example.com'])), {
    path: 'spec.hosts[1]',
    line: 8,
    column: 7,
    message: 'duplicate hosts in virtual service: a.example.com & a.example.com',
  });
  assertNone(validateText(withHosts(['*.example.com', 'example.com'])));
});

test('§7.3 gateways: <namespace>/<name> of DNS-1123 labels, or a bare name that is an FQDN', () => {
  // gateways from line 9 (after one host on line 7 and "gateways:" on line 8)
  const at = { path: 'spec.gateways[0]', line: 9, column: 7 };
  assertOne(validateText(withHosts(['bookinfo.example.com'], ['istio-system/ingress_gw'])), {
    ...at,
    message: 'invalid value for gateway name: "ingress_gw"',
  });
  const empty = validateText(withHosts(['bookinfo.example.com'], ['/bookinfo-gateway']));
  assert.equal(
    empty.map((f) => `${f.line}:${f.column} ${f.path}: ${f.message}`),
    [
      '9:7 spec.gateways[0]: config namespace and gateway name cannot be empty',
      '9:7 spec.gateways[0]: invalid value for namespace: ""',
    ],
  );
  assertOne(validateText(withHosts(['bookinfo.example.com'], ['bookinfo_gateway'])), {
    ...at,
    message: 'domain name "bookinfo_gateway" invalid (label "bookinfo_gateway" invalid)',
  });
  assertOne(validateText(withHosts(['bookinfo.example.com'], ['bookinfo-gateway.istio-system'])), {
    ...at,
    severity: 'warning',
    message:
      'using legacy gatewayName format "bookinfo-gateway.istio-system"; prefer the <namespace>/<name> format: "istio-system/bookinfo-gateway"',
  });
  for (const ok of ['bookinfo-gateway', 'mesh', 'istio-system/bookinfo-gateway']) {
    assertNone(validateText(withHosts(['bookinfo.example.com'], [ok])));
  }
});

test("§7.3 gateways: Istio's validateGatewayNames returns after the first name without '/', so later names go unchecked", () => {
  assertNone(validateText(withHosts(['bookinfo.example.com'], ['mesh', 'istio-system/bad_name'])));
  assertOne(validateText(withHosts(['bookinfo.example.com'], ['istio-system/bad_name', 'mesh'])), {
    path: 'spec.gateways[0]',
    line: 9,
    column: 7,
    message: 'invalid value for gateway name: "bad_name"',
  });
});

test('§7.3 a delegate VirtualService (no hosts) may hold neither tcp nor tls routes', () => {
  const text = vsSpec('hosts: []\ntcp:\n  - route:\n      - destination: {host: productpage}');
  assertOne(validateText(text), {
    path: 'spec.tcp',
    line: 7,
    column: 3,
    message: 'delegate virtual service must have no tcp route specified',
  });
});

test.run();
