/**
 * Policy loading (design.md "Policy model"): YAML files and directories → PolicyDoc[], every
 * document remembering file, line and column. Multi-document files are split on `---`;
 * empty documents are skipped as kubectl does. DestinationRule / VirtualService of
 * networking.istio.io v1, v1beta1 and v1alpha3 are marked `checked`; any other kind is passed
 * through untouched with `checked: false` so callers can say "not checked".
 *
 * Anything that is not a readable Kubernetes object is a ConfigError whose message starts with
 * `file:line:col:` (exit 2) — never a stack trace.
 */
import { readdir } from 'node:fs/promises';
import { FileRefused, fileKind, readRegularFile, statPath } from '../util/files.js';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document, type YAMLError } from 'yaml';
import { ConfigError } from '../errors.js';
import { CHECKED_KINDS, ISTIO_GROUP, ISTIO_VERSIONS, type PolicyDoc } from './model.js';
import { positionFinder, sourceFinder } from './positions.js';
import { yamlErrorMessage } from './yaml-errors.js';
import { MAX_ALIAS_COUNT, YAML_PARSE_OPTIONS } from './yaml-reader.js';
import { showValue } from '../util/text.js';
import { decodeUtf8, notUtf8Message } from '../util/utf8.js';

/**
 * Largest policy file we read: 1.5 MiB, etcd's default request limit (`--max-request-bytes`),
 * so nothing bigger could ever be applied. A bigger file is almost certainly the wrong file
 * (a log, a bundle), and refusing it early keeps parsing time bounded.
 */
export const MAX_POLICY_FILE_BYTES = 1.5 * 1024 * 1024;

/** How many YAML syntax errors one ConfigError lists before summarising the rest. */
const MAX_LISTED_YAML_ERRORS = 10;

const POLICY_FILE = /\.ya?ml$/i;

/** Loads every document of the given files and directories (directories are searched recursively for *.yaml / *.yml). */
export async function loadPolicies(paths: string[]): Promise<PolicyDoc[]> {
  const { docs, unreadable } = await loadPolicyFiles(paths, { stopAtFirst: true });
  if (unreadable.length > 0) throw unreadable[0].error;
  return docs;
}

/**
 * Like loadPolicies, but a file that cannot be read or parsed does not stop the others: its
 * ConfigError is returned beside the documents of the rest (`validate` and `lint` report every
 * file's findings, as a linter does). A path that does not exist still throws: that is the
 * command line's mistake, not a file's. `stopAtFirst` ends at the first unreadable file.
 */
export async function loadPolicyFiles(
  paths: string[],
  opts: { stopAtFirst?: boolean } = {},
): Promise<{ docs: PolicyDoc[]; unreadable: { file: string; error: ConfigError }[] }> {
  const docs: PolicyDoc[] = [];
  const unreadable: { file: string; error: ConfigError }[] = [];
  for (const file of await expandPaths(paths)) {
    try {
      const size = await statOrThrow(file).then((s) => s.size);
      if (size > MAX_POLICY_FILE_BYTES) throw tooBig(file, size);
      docs.push(...loadPolicyText(readUtf8(await readOrThrow(file), file), file));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      unreadable.push({ file, error: err });
      if (opts.stopAtFirst) break;
    }
  }
  return { docs, unreadable };
}

/** Parses one YAML text (named `file` in messages) into its documents. */
export function loadPolicyText(text: string, file: string): PolicyDoc[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_FILE_BYTES) throw tooBig(file, bytes);
  if (text.includes('\0')) throw new ConfigError(`${file}:1:1: not a YAML text file (it contains NUL bytes)`);
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, ...YAML_PARSE_OPTIONS });
  const yamlDocs: Document[] = Array.isArray(parsed) ? parsed : [parsed as unknown as Document];
  const syntax = yamlDocs.flatMap((d) => d.errors);
  if (syntax.length > 0) throw syntaxError(file, text, lineCounter, syntax);
  const docs: PolicyDoc[] = [];
  yamlDocs.forEach((yamlDoc, index) => {
    if (isEmptyDocument(yamlDoc)) return;
    docs.push(toPolicyDoc(yamlDoc, index, file, lineCounter));
  });
  if (docs.length === 0)
    throw new ConfigError(`${file}:1:1: no YAML documents found (the file is empty or only comments)`);
  return docs;
}

function toPolicyDoc(yamlDoc: Document, index: number, file: string, lineCounter: LineCounter): PolicyDoc {
  const positionOf = positionFinder(yamlDoc, lineCounter, file);
  const start = positionOf([]);
  const here = `${file}:${start.line}:${start.column}`;
  let object: unknown;
  try {
    // aliases are expanded here: an unknown anchor or an alias bomb is the user's input, not a crash
    object = yamlDoc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigError(`${here}: invalid YAML: ${(err as Error).message}`);
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new ConfigError(
      `${here}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(object)}`,
    );
  }
  const obj = object as Record<string, unknown>;
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof obj[field] !== 'string' || obj[field] === '') {
      const pos = positionOf([field]);
      const got = obj[field] === undefined ? 'it is missing' : `got ${describe(obj[field])}`;
      throw new ConfigError(
        `${file}:${pos.line}:${pos.column}: ${field}: expected a non-empty string, ${got}${scenarioHint(obj)}`,
      );
    }
  }
  const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
  const apiVersion = obj.apiVersion as string;
  const kind = obj.kind as string;
  const doc: PolicyDoc = {
    apiVersion,
    kind,
    name: typeof metadata.name === 'string' ? metadata.name : '',
    object: obj,
    file,
    line: start.line,
    column: start.column,
    index,
    checked: isCheckedKind(apiVersion, kind),
    positionOf,
    sourceOf: sourceFinder(yamlDoc),
  };
  if (typeof metadata.namespace === 'string') doc.namespace = metadata.namespace;
  return doc;
}

/** A meshproof scenario handed to validate / lint (`lint scenarios/`): say what to do with it instead. */
function scenarioHint(obj: Record<string, unknown>): string {
  if (obj.apiVersion !== undefined || !('policy' in obj) || !('load' in obj || 'expect' in obj)) return '';
  return ' (this is a meshproof scenario, not a policy: run it with `meshproof run`; validate and lint take the manifests its policy.files names)';
}

/** DestinationRule / VirtualService of networking.istio.io v1, v1beta1 or v1alpha3. */
export function isCheckedKind(apiVersion: string, kind: string): boolean {
  const [group, version] = apiVersion.split('/');
  return (
    group === ISTIO_GROUP &&
    (ISTIO_VERSIONS as readonly string[]).includes(version ?? '') &&
    (CHECKED_KINDS as readonly string[]).includes(kind)
  );
}

function isEmptyDocument(d: Document): boolean {
  const c = d.contents as { value?: unknown } | null;
  return c === null || (c !== undefined && 'value' in c && c.value === null && !('items' in c));
}

/** Where each of a file's YAML errors is: `validate` and `lint` make one finding of each (check.ts). */
export interface YamlErrorPlace {
  line: number;
  column: number;
  message: string;
}

/** The first errors in the message (run and mesh stop at it); every one of them in `places`. */
function syntaxError(
  file: string,
  text: string,
  lineCounter: LineCounter,
  errors: YAMLError[],
): ConfigError & { places: YamlErrorPlace[] } {
  const places = errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { line, column: col, message: `invalid YAML: ${yamlErrorMessage(text, e)}` };
  });
  const lines = places.slice(0, MAX_LISTED_YAML_ERRORS).map((p) => `${file}:${p.line}:${p.column}: ${p.message}`);
  if (errors.length > MAX_LISTED_YAML_ERRORS)
    lines.push(`${file}: … and ${errors.length - MAX_LISTED_YAML_ERRORS} more YAML errors`);
  return Object.assign(new ConfigError(lines.join('\n')), { places });
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return showValue(v);
  return `${typeof v} ${showValue(v)}`;
}

/** A file's bytes as text; anything but UTF-8 is refused at the first bad byte. */
export function readUtf8(bytes: Uint8Array, file: string): string {
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) return decoded.text;
  throw new ConfigError(`${file}:${decoded.line}:${decoded.column}: ${notUtf8Message(decoded)}`);
}

function tooBig(file: string, bytes: number): ConfigError {
  const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
  return new ConfigError(
    `${file}:1:1: file is ${mb(bytes)} MiB; policy files over ${mb(MAX_POLICY_FILE_BYTES)} MiB are refused (Kubernetes cannot store an object that big)`,
  );
}

/** A file or directory; anything else (/dev/zero, a FIFO) is refused before it is opened (src/util/files.ts). */
async function statOrThrow(path: string) {
  let s;
  try {
    s = await statPath(path);
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`);
  }
  if (!s.isFile() && !s.isDirectory())
    throw new ConfigError(`${path}: expected a YAML file or a directory, got ${fileKind(s)}`);
  return s;
}

async function readOrThrow(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, MAX_POLICY_FILE_BYTES);
  } catch (err) {
    throw new ConfigError(`${file}: ${err instanceof FileRefused ? err.message : String(err)}`);
  }
}

/** Files as given (any extension), directories searched for *.yaml / *.yml in name order. */
async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await statOrThrow(p);
    if (!s.isDirectory()) {
      out.push(p);
      continue;
    }
    const found = await walk(p);
    if (found.length === 0) throw new ConfigError(`${p}: no .yaml or .yml files in this directory`);
    out.push(...found);
  }
  return [...new Set(out)]; // "policies/ policies/x.yaml" loads x.yaml once
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .git and editor backups are never policies
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile() && POLICY_FILE.test(e.name)) out.push(full);
  }
  return out;
}
