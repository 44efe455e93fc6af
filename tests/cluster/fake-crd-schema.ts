/**
 * The real Istio networking CRDs (../shared/data/istio-crds, Istio 1.22.8 and 1.29.6) for the
 * tests' API server: read through the product's own CRD reader (src/kube-api/crd-schema.ts,
 * which also checks objects against a version's openAPIV3Schema). The files are data the
 * project does not ship (their README): absent in a user's clone, the tests that need them skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCrdFile, type CrdSet } from '../../src/kube-api/crd-schema.js';

export const CRD_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared/data/istio-crds');
export type IstioRelease = '1.22.8' | '1.29.6';

/** The file of a release's CRDs, or undefined when ../shared is absent. */
export function istioCrdFile(release: IstioRelease): string | undefined {
  const file = path.join(CRD_DIR, `networking-${release}.yaml`);
  return fs.existsSync(file) ? file : undefined;
}

/** The DestinationRule and VirtualService CRDs of a release, or undefined when ../shared is absent. */
export function loadIstioCrds(release: IstioRelease): CrdSet | undefined {
  const file = istioCrdFile(release);
  return file ? readCrdFile(file) : undefined;
}
