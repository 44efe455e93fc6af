/**
 * A DestinationRule's `tls` (ClientTLSSettings, top level and port level): the CRD's shape and
 * Istio's `agent.ValidateTLS` (pkg/config/validation/agent/validation.go, current wording — older
 * Istio said "…or CA certificate If credentialName is set" without "or CA CRL"). Not mirrored: the
 * `configmap://` credentialName namespace rule (credentials.ParseResourceName, not read).
 */
import type { FieldPath } from './model.js';
import type { Checker } from './fields.js';

const TLS_FIELDS = [
  'mode',
  'clientCertificate',
  'privateKey',
  'caCertificates',
  'credentialName',
  'subjectAltNames',
  'sni',
  'insecureSkipVerify',
  'caCrl',
] as const;
const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

export function validateClientTls(c: Checker, path: FieldPath, v: unknown): void {
  const t = c.object(path, v, TLS_FIELDS);
  if (!t) return;
  const at = (f: string): FieldPath => [...path, f];
  const mode = c.oneOf(at('mode'), t.mode, TLS_MODES) ?? 'DISABLE';
  const str = (f: string) => c.string(at(f), t[f]) ?? '';
  const [cert, key, ca, credential, crl] = [
    'clientCertificate',
    'privateKey',
    'caCertificates',
    'credentialName',
    'caCrl',
  ].map(str);
  c.string(at('sni'), t.sni);
  const sans = c.list(at('subjectAltNames'), t.subjectAltNames);
  sans?.forEach((s, i) => c.string([...at('subjectAltNames'), i], s));
  const hasSans = t.subjectAltNames !== undefined && t.subjectAltNames !== null; // Go: SubjectAltNames != nil
  if (c.bool(at('insecureSkipVerify'), t.insecureSkipVerify) === true) {
    if (mode === 'SIMPLE' && (ca !== '' || credential !== '' || hasSans)) {
      c.error(
        path,
        'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
      );
    }
    if (mode === 'MUTUAL' && (ca !== '' || hasSans)) {
      c.error(path, 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credential !== '') {
    if (cert !== '' || ca !== '' || key !== '' || crl !== '') {
      c.error(path, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    return; // credentials come from the secret
  }
  if (mode === 'MUTUAL') {
    if (cert === '') c.error(path, 'client certificate required for mutual tls');
    if (key === '') c.error(path, 'private key required for mutual tls');
  }
}
