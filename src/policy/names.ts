/**
 * Istio's name rules used by both validators (istio-envoy-semantics.md §7.2, §7.3), ported from
 * istio/istio `pkg/config/labels/instance.go` (IsDNS1123Label, IsWildcardDNS1123Label,
 * Instance.Validate) and `pkg/config/validation/agent/validation.go` (ValidateWildcardDomain,
 * ValidateFQDN, ValidateDNS1123Labels, CheckDNS1123Preconditions). Messages are Istio's own.
 * The same in Istio 1.22 and 1.29 as far as read (labels/instance.go, agent/validation.go at
 * recent revisions; the label regexes are older still).
 */
import { isIP } from 'node:net';

/** instance.go `dns1123LabelFmt`: Istio's label allows UPPER case (unlike Kubernetes' own). */
const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const DNS1123_LABEL_SRC = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?';
/** instance.go `wildcardPrefix`: `*`, a label with a leading `*` or `*-`, or a plain label. */
const WILDCARD_LABEL = new RegExp(`^(?:\\*|(?:\\*|\\*-)?${DNS1123_LABEL_SRC})$`);
/** instance.go `qualifiedNameFmt`, `dnsNamePrefixFmt`: Kubernetes label keys and values. */
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const TAG_KEY = new RegExp(`^(${DNS1123_LABEL_SRC}(?:\\.${DNS1123_LABEL_SRC})*/)?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);
const DNS1123_LABEL_MAX = 63;

/** labels.IsDNS1123Label: letters (either case), digits and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(s);
}

/** Istio's validateSubsetName (validation.go), with its message. */
export function subsetNameProblem(name: string): string | undefined {
  if (name === '') return 'subset name cannot be empty';
  if (!isDns1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}

const quote = (s: string) => JSON.stringify(s);

/** CheckDNS1123Preconditions. Go's len() counts UTF-8 bytes. */
function dns1123Preconditions(name: string): string | undefined {
  if (Buffer.byteLength(name) > 255) return `domain name ${quote(name)} too long (max 255)`;
  if (name === '') return 'empty domain name not allowed';
  return undefined;
}

/** ValidateDNS1123Labels: no all-numeric top-level label; a trailing dot is allowed. */
function dns1123LabelsProblem(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (/^[+-]?\d+$/.test(tld)) {
    return `domain name ${quote(domain)} invalid (top level domain ${quote(tld)} cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (!isDns1123Label(parts[i])) return `domain name ${quote(domain)} invalid (label ${quote(parts[i])} invalid)`;
  }
  return undefined;
}

/**
 * ValidateWildcardDomain: the first label may be `*`, `*foo` or `*-foo`; the rest must be DNS-1123
 * labels (either case) with a top-level label that is not all digits; a trailing dot is allowed.
 */
export function wildcardDomainProblem(host: string): string | undefined {
  const pre = dns1123Preconditions(host);
  if (pre) return pre;
  const dot = host.indexOf('.');
  const first = dot < 0 ? host : host.slice(0, dot);
  if (first.length > DNS1123_LABEL_MAX || !WILDCARD_LABEL.test(first)) {
    return `domain name ${quote(host)} invalid (label ${quote(first)} invalid)`;
  }
  return dot < 0 ? undefined : dns1123LabelsProblem(host.slice(dot + 1));
}

/** ValidateFQDN: like a wildcard domain but with no wildcard in the first label. */
export function fqdnProblem(name: string): string | undefined {
  return dns1123Preconditions(name) ?? dns1123LabelsProblem(name);
}

/** netutil.IsValidIPAddress (netip.ParseAddr): an IPv4 or IPv6 address. */
export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** labels.Instance.Validate: each key a Kubernetes label name, each value a label value. */
export function labelProblems(labels: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const m = TAG_KEY.exec(k);
    if (!m) out.push(`invalid tag key: ${quote(k)}`);
    else if (m[1] && m[1].length - 1 > 253) out.push(`invalid tag key: ${quote(k)} (DNS prefix is too long)`);
    else if (m[2].length > DNS1123_LABEL_MAX) out.push(`invalid tag key: ${quote(k)} (name is too long)`);
    if (typeof v === 'string' && !LABEL_VALUE.test(v)) out.push(`invalid tag value: ${quote(v)}`);
  }
  return out;
}
