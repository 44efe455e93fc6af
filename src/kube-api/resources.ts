/**
 * What the local Kubernetes API serves, as discovery documents: the `networking.istio.io`
 * resources DestinationRule and VirtualService (names, short names and categories from Istio's
 * CRDs, istio/api kubernetes/customresourcedefinitions.gen.yaml) in the versions their CRDs
 * serve — Istio ≥ 1.22 serves v1, v1beta1 and v1alpha3 — and the read-only core resources
 * (namespaces, services, pods) that `--target auto` discovery lists.
 */
import { createHash } from 'node:crypto';
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

/**
 * /openapi/v3: one document per group version, each named by a hash of its content. The real
 * server (kube-openapi handler3) puts the document's ETag, an uppercase hex SHA-512 of its
 * bytes, in `serverRelativeURL`'s `hash`, so a client's HTTP cache never serves a stale one;
 * the same here, over the JSON this server sends.
 */
export function openApiV3Index(served: string[], crds?: CrdSet): Obj {
  return {
    paths: Object.fromEntries(
      served.map((v) => [
        `apis/${ISTIO_GROUP}/${v}`,
        { serverRelativeURL: `/openapi/v3/apis/${ISTIO_GROUP}/${v}?hash=${openApiV3Hash(openApiV3Istio(v, crds))}` },
      ]),
    ),
  };
}

export function openApiV3Hash(doc: Obj): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** The TypeMeta descriptions every built-in and CRD schema carries (apimachinery meta/v1 types.go TypeMeta, ObjectMeta field doc). */
const TYPE_META = {
  apiVersion: {
    type: 'string',
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  },
  kind: {
    type: 'string',
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  },
  metadata: {
    type: 'object',
    description:
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    'x-kubernetes-preserve-unknown-fields': true,
  },
};

/**
 * A group version's OpenAPI v3 document, what `kubectl explain` reads and what tells kubectl
 * to validate on the server. With Istio's CRDs each kind's schema is its CRD's
 * `openAPIV3Schema` (descriptions, fields, types), as apiextensions-apiserver's OpenAPI builder
 * publishes it under `io.istio.networking.<version>.<Kind>`, with TypeMeta's fields added.
 * Not imitated: the real `metadata` is an `allOf` $ref to
 * io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta with its dependencies (here an open object,
 * so `kubectl explain dr.metadata` lists no fields), and the GET/PUT/… operations. Without
 * CRDs `spec` and `status` are open objects.
 */
export function openApiV3Istio(version: string, crds?: CrdSet): Obj {
  const schemas = Object.fromEntries(
    Object.entries(RESOURCES).map(([plural, r]) => {
      const crd = crds?.[plural]?.versions.find((v) => v.name === version)?.schema;
      const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const body = crd ? structuredClone(crd) : { type: 'object', properties: { spec: open, status: open } };
      return [
        `io.istio.networking.${version}.${r.kind}`,
        {
          ...body,
          type: 'object',
          properties: { ...TYPE_META, ...(body.properties ?? {}) },
          'x-kubernetes-group-version-kind': [{ group: ISTIO_GROUP, version, kind: r.kind }],
        },
      ];
    }),
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
