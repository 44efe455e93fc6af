/**
 * Server-side printing: the `Table` kube-apiserver answers when the client asks for it in
 * Accept (`application/json;as=Table;v=v1;g=meta.k8s.io`, what `kubectl get` sends), so kubectl
 * prints the CRDs' printer columns as on a real cluster:
 *
 *   NAME          GATEWAYS               HOSTS                      AGE
 *   productpage   ["bookinfo-gateway"]   ["bookinfo.example.com"]   4s
 *
 * Mirrors apiextensions-apiserver pkg/registry/customresource/tableconvertor (a Name column of
 * format "name", then the CRD's additionalPrinterColumns; a "string" column prints its JSONPath
 * result as kubectl's jsonpath does, so a list is its JSON; a missing value is null; a "date"
 * column is the age, metatable.ConvertToHumanReadableDateType → duration.HumanDuration), and
 * endpoints/handlers/response.go asTable (includeObject defaults to Metadata: each row's object
 * is a PartialObjectMetadata). The columns are Istio's (identical in the 1.22.8 and 1.29.6
 * CRDs; tests/kube-api/table.test.ts holds them to both files).
 *
 * A watch asked for a Table sends each event's object as a one-row Table (with the column
 * definitions, which kubectl prints once; the watch rows carry metadata only). Not imitated:
 * `TableOptions.noHeaders`, bookmarks and ERROR events as Tables (they stay plain).
 */
import type http from 'node:http';
import type { Obj } from './fields.js';

interface Column {
  name: string;
  type: 'string' | 'date';
  jsonPath: string;
  description: string;
}

const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only. Null for lists.';

/** Istio's additionalPrinterColumns (kubernetes/customresourcedefinitions.gen.yaml). */
export const PRINTER_COLUMNS: Record<string, Column[]> = {
  destinationrules: [
    {
      name: 'Host',
      type: 'string',
      jsonPath: '.spec.host',
      description: 'The name of a service from the service registry',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESCRIPTION },
  ],
  virtualservices: [
    {
      name: 'Gateways',
      type: 'string',
      jsonPath: '.spec.gateways',
      description: 'The names of gateways and sidecars that should apply these routes',
    },
    {
      name: 'Hosts',
      type: 'string',
      jsonPath: '.spec.hosts',
      description: 'The destination hosts to which traffic is being sent',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESCRIPTION },
  ],
};

/** The Table version the Accept header asks for (meta.k8s.io v1 before v1beta1), or undefined for a plain answer. */
export function includeObject(url: URL): IncludeObject {
  const v = url.searchParams.get('includeObject');
  return v === 'Object' || v === 'None' ? v : 'Metadata';
}

export function tableVersion(req: http.IncomingMessage): string | undefined {
  const accept = (req.headers.accept ?? '').split(',').map((a) => a.replace(/\s/g, ''));
  for (const a of accept) {
    const m = /^application\/json;(.*)$/.exec(a);
    const params = new Set(m?.[1].split(';'));
    if (params.has('as=Table') && params.has('g=meta.k8s.io') && (params.has('v=v1') || params.has('v=v1beta1')))
      return params.has('v=v1') ? 'v1' : 'v1beta1';
  }
  return undefined;
}

/** k8s.io/apimachinery pkg/util/duration HumanDuration: the AGE kubectl shows. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function cell(o: Obj, c: Column, now: number): unknown {
  const value = c.jsonPath
    .slice(1)
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
  if (value === undefined || value === null) return null;
  if (c.type === 'date') {
    const t = Date.parse(String(value));
    return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
  }
  // jsonpath's PrintResults: a string as is, anything else as JSON
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What a row carries (TableOptions.includeObject, handlers/response.go asTable): "Metadata" (the
 * default) a PartialObjectMetadata, "Object" the object itself in the request's version (what
 * `kubectl get --sort-by` asks for), "None" nothing.
 */
export type IncludeObject = 'Metadata' | 'Object' | 'None';

function rowObject(o: Obj, include: IncludeObject, group: string, apiVersion: string): Obj | null {
  if (include === 'None') return null;
  if (include === 'Object') return { ...o, apiVersion };
  return { kind: 'PartialObjectMetadata', apiVersion: group, metadata: o.metadata };
}

/** The Table of `objects` (a list, or one object's get); `apiVersion` is the request's group version. */
export function asTable(
  plural: string,
  version: string,
  objects: Obj[],
  resourceVersion: string,
  now = Date.now(),
  include: IncludeObject = 'Metadata',
  apiVersion = 'networking.istio.io/v1',
): Obj {
  const columns = PRINTER_COLUMNS[plural];
  const group = `meta.k8s.io/${version}`;
  return {
    kind: 'Table',
    apiVersion: group,
    metadata: { resourceVersion },
    columnDefinitions: [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description:
          'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
        priority: 0,
      },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: '', description: c.description, priority: 0 })),
    ],
    rows: objects.map((o) => ({
      cells: [o.metadata.name, ...columns.map((c) => cell(o, c, now))],
      object: rowObject(o, include, group, apiVersion),
    })),
  };
}
