/** Kubernetes / Istio name rules used by both validators (istio-envoy-semantics.md §7.2). */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** labels.IsDNS1123Label: lowercase alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Istio's validateSubsetName message, or undefined when the name is fine. */
export function subsetNameProblem(name: string): string | undefined {
  if (name === '') return 'subset name cannot be empty';
  if (!isDns1123Label(name))
    return `subset name is invalid: ${name} (expected a DNS-1123 label: lowercase letters, digits and '-')`;
  return undefined;
}

/**
 * ValidateWildcardDomain: a DNS name whose first label may be "*" or start with "*"
 * ("*.example.com", "*"), other labels DNS-1123 (upper case allowed, Istio lower-cases later).
 */
export function wildcardDomainProblem(host: string): string | undefined {
  if (host === '') return 'empty domain name not allowed';
  if (host.length > 255) return `domain name ${JSON.stringify(host)} too long (max 255)`;
  const labels = host.split('.');
  for (let i = 0; i < labels.length; i++) {
    let label = labels[i];
    if (i === 0 && label.startsWith('*')) label = label.slice(1);
    if (i === 0 && label === '') continue;
    if (!isDns1123Label(label.toLowerCase()))
      return `domain name ${JSON.stringify(host)} invalid (label ${JSON.stringify(labels[i])} invalid)`;
  }
  return undefined;
}
