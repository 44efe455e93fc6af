/**
 * Shared set-up for the cluster tests: a fake API server, a kubeconfig file pointing at it
 * (plain http needs insecure-skip-tls-verify, ecosystem.md "Kubernetes"), a temp journal
 * directory, the demo policies, and `kubectl` against the same server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { loadPolicies } from '../../src/policy/load.js';
import type { PolicyDoc } from '../../src/policy/model.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const exec = promisify(execFile);

export interface Env {
  fake: FakeApiServer;
  dir: string;
  kubeconfig: string;
  journalDir: string;
  cleanup(): Promise<void>;
}

export async function setup(): Promise<Env> {
  const fake = await startFakeApiServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshproof-cluster-'));
  const kubeconfig = writeKubeconfig(dir, fake.url);
  return {
    fake,
    dir,
    kubeconfig,
    journalDir: path.join(dir, 'journal'),
    cleanup: async () => {
      await fake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function writeKubeconfig(dir: string, server: string, namespace = 'default'): string {
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: ci
  user:
    token: not-a-secret
contexts:
- name: fake
  context:
    cluster: fake
    user: ci
    namespace: ${namespace}
current-context: fake
`,
  );
  return file;
}

export function policies(...names: string[]): Promise<PolicyDoc[]> {
  return loadPolicies(names.map((n) => path.join(REPO, 'policies', n)));
}

/** `kubectl patch vs productpage -n default --type merge -p JSON(patch)`: an edit by someone else (field manager kubectl-patch). */
export function mergePatchProductpage(
  env: Pick<Env, 'kubeconfig'>,
  patch: unknown,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return kubectl(env, 'patch', 'vs', 'productpage', '-n', 'default', '--type', 'merge', '-p', JSON.stringify(patch));
}

/** Runs the real kubectl against the fake (no other kubeconfig leaks in). */
export async function kubectl(
  env: Pick<Env, 'kubeconfig'>,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await exec('kubectl', ['--kubeconfig', env.kubeconfig, ...args], {
      timeout: 15_000,
      env: { ...process.env, KUBECONFIG: '' },
    });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** `kubectl get -o yaml` with the server-managed fields masked: the byte-identity yardstick. */
export async function getYamlMasked(env: Env, resource: string, name: string, ns = 'default'): Promise<string> {
  const r = await kubectl(env, 'get', resource, name, '-n', ns, '-o', 'yaml');
  if (r.code !== 0) return `<absent: ${r.stderr.trim()}>`;
  return r.stdout
    .replace(/^( {2}(?:creationTimestamp|resourceVersion|uid|generation)): .*$/gm, '$1: <masked>')
    .replace(/^ {2}managedFields:\n(?: {2}[- ].*\n)*/gm, '');
}

/** The VirtualService that exists before any run in the demo world. */
export const PRE_EXISTING_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
  namespace: default
  labels:
    app: productpage
  annotations:
    owner: team-shop
spec:
  hosts:
  - bookinfo.example.com
  gateways:
  - bookinfo-gateway
  http:
  - route:
    - destination:
        host: productpage
        port:
          number: 9080
`;

export interface Fixture {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** stdout and stderr so far, interleaved. */
  output(): string;
}

/** Starts tests/cluster/fixtures/<name>.ts in a child Node (tsx), added to `children` for the test's clean-up. */
export function startFixture(name: string, args: string[], children: ChildProcess[]): Fixture {
  const file = path.join(REPO, 'tests/cluster/fixtures', `${name}.ts`);
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}
