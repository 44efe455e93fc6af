/**
 * nginx on loopback, in two roles: the reference proxy for the mesh benchmark (one worker —
 * the mesh gateway has one event loop —, upstream keep-alive as the mesh reuses upstream
 * connections too, no access log), and the cheapest target there is for the scaling
 * benchmark (`return 200` in one process). Everything lives in a temp prefix: no root paths,
 * no system config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, READY_TIMEOUT_MS, STOP_GRACE_MS } from './proc.js';

export interface Nginx {
  url: string;
  /** the process that serves (the static target runs without a master: this is it) */
  pid: number;
  stop(): Promise<void>;
}

/** Upstream keep-alive connections per worker: more than the benchmark's connection count. */
const UPSTREAM_KEEPALIVE = 128;

/** Everything but the processes and the `http` block's own part: temp prefix paths, no access log. */
function config(dir: string, processes: string, http: string): string {
  return `daemon off;
${processes}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
${http}
}
`;
}

export function nginxConfig(dir: string, port: number, upstreams: string[]): string {
  const servers = upstreams.map((u) => `    server ${new URL(u).host};`).join('\n');
  return config(
    dir,
    'worker_processes 1;',
    `  upstream pods {
${servers}
    keepalive ${UPSTREAM_KEEPALIVE};
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pods;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`,
  );
}

/**
 * A target that costs as little CPU as a server can: `return 200` with no body, no log, one
 * process (`master_process off`: the process spawned is the one serving, so its CPU time in
 * /proc/<pid>/stat is the target's whole CPU).
 */
export function staticNginxConfig(dir: string, port: number): string {
  return config(
    dir,
    'master_process off;',
    `  server {
    listen 127.0.0.1:${port};
    location / { return 200; }
  }`,
  );
}

export function startNginx(upstreams: string[]): Promise<Nginx> {
  return startNginxWith((dir, port) => nginxConfig(dir, port, upstreams));
}

/** nginx answering 200 to everything: the scaling benchmark's target. */
export function startStaticNginx(): Promise<Nginx> {
  return startNginxWith(staticNginxConfig);
}

async function startNginxWith(configFor: (dir: string, port: number) => string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-bench-nginx-'));
  chmodSync(dir, 0o777); // run as root, nginx's workers drop to `nobody` and still write temp files here
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), configFor(dir, port));
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child);
  } catch (e) {
    await stop();
    throw new Error(`nginx did not start: ${(e as Error).message} ${stderr}`);
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} not open within ${READY_TIMEOUT_MS} ms`);
}

/** SIGQUIT is nginx's graceful stop; SIGKILL after the grace period. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGQUIT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
