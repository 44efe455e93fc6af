/**
 * What the local Kubernetes API serves, as discovery documents: the `networking.istio.io`
 * resources DestinationRule and VirtualService (names, short names and categories from Istio's
 * CRDs, istio/api kubernetes/customresourcedefinitions.gen.yaml) in the versions their CRDs
 * serve — Istio ≥ 1.22 serves v1, v1beta1 and v1alpha3 — and the read-only core resources
 * (namespaces, services, pods) that `--target auto` discovery lists.
 */
import type { Obj } from './fields.js';
import type { CrdSet } from './crd-schema.js';
import { ISTIO_GROUP } from './status.js';

/** kube-aware version priority (GA > beta > alpha): discovery lists served versions in this order, first preferred */
export const VERSION_PRIORITY = ['v1', 'v1beta1', 'v1alpha3'];

export const RESOURCES: Record<string, { kind: string; listKind: string; shortNames: string[] }> = {
  destinationrules: { kind: 'DestinationRule', listKind: 'DestinationRuleList', shortNames: ['dr'] },
  virtualservices: { kind: 'VirtualService', listKind: 'VirtualServiceList', shortNames: ['vs'] },
};

/** Versions every resource's CRD serves, preferred first; without CRDs, Istio ≥ 1.22's three. */
export function servedVersions(crds: CrdSet | undefined): string[] {
  return VERSION_PRIORITY.filter(
    (v) => !crds || Object.values(crds).every((c) => c.versions.some((x) => x.name === v && x.served)),
  );
}

export function pluralOf(kind: string): string {
  const e = Object.entries(RESOURCES).find(([, r]) => r.kind === kind);
  if (!e) throw new Error(`kube-api: unknown kind ${kind}`);
  return e[0];
}

export function istioGroup(served: string[]): Obj {
  return {
    name: ISTIO_GROUP,
    versions: served.map((v) => ({ groupVersion: `${ISTIO_GROUP}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${ISTIO_GROUP}/${served[0]}`, version: served[0] },
  };
}

export function istioResourceList(version: string): Obj {
  const verbs = ['delete', 'get', 'list', 'patch', 'create', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${ISTIO_GROUP}/${version}`,
    resources: Object.entries(RESOURCES).map(([plural, r]) => ({
      name: plural,
      singularName: r.kind.toLowerCase(),
      namespaced: true,
      kind: r.kind,
      verbs,
      shortNames: r.shortNames,
      categories: ['istio-io', 'networking-istio-io'],
      storageVersionHash: 'meshproof',
    })),
  };
}

/** One entry of an APIResourceList. */
export function resource(name: string, kind: string, namespaced: boolean, verbs: string[], shortNames?: string[]): Obj {
  return { name, singularName: kind.toLowerCase(), namespaced, kind, verbs, ...(shortNames ? { shortNames } : {}) };
}

/** /api/v1: the read-only core resources, plus any `extra` entries a caller serves. */
export function coreResourceList(extra: Obj[] = []): Obj {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'v1',
    resources: [
      resource('namespaces', 'Namespace', false, ['get', 'list'], ['ns']),
      resource('pods', 'Pod', true, ['get', 'list'], ['po']),
      resource('services', 'Service', true, ['get', 'list'], ['svc']),
      ...extra,
    ],
  };
}

/** kubectl validates manifests against /openapi/v3: one document per group version. */
export function openApiV3Index(served: string[]): Obj {
  return {
    paths: Object.fromEntries(
      served.map((v) => [
        `apis/${ISTIO_GROUP}/${v}`,
        { serverRelativeURL: `/openapi/v3/apis/${ISTIO_GROUP}/${v}?hash=meshproof${v}` },
      ]),
    ),
  };
}

export function openApiV3Istio(version: string): Obj {
  // an open object is enough for kubectl's client-side validation to accept what the server does
  const schemas = Object.fromEntries(
    Object.values(RESOURCES).map((r) => [
      `io.istio.networking.${version}.${r.kind}`,
      {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-group-version-kind': [{ group: ISTIO_GROUP, version, kind: r.kind }],
      },
    ]),
  );
  // the PATCH operation lists `fieldValidation`, so kubectl validates on the server (as it does
  // against a real 1.27+ apiserver) instead of downloading the old /openapi/v2 protobuf
  const paths = Object.fromEntries(
    Object.entries(RESOURCES).map(([plural, r]) => [
      `/apis/${ISTIO_GROUP}/${version}/namespaces/{namespace}/${plural}/{name}`,
      {
        patch: {
          'x-kubernetes-group-version-kind': { group: ISTIO_GROUP, version, kind: r.kind },
          'x-kubernetes-action': 'patch',
          parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
        },
      },
    ]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths,
    components: { schemas },
  };
}

/** Istio's versions share one schema: conversion only changes apiVersion. */
export function withVersion(o: Obj, version: string): Obj {
  return { ...o, apiVersion: `${ISTIO_GROUP}/${version}` };
}
