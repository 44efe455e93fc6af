/**
 * The local mesh's pods on their own thread (pod-host.ts starts it): each pod is startPod's
 * server (pods.ts), its random stream rebuilt from the seed the mesh forked for it, its request
 * count in the shared counters the gateway's thread reads.
 *
 * Messages in: `behaviour` (pod, behaviour), `requests` (pod), `stop`; each carries an `id` that
 * its `done` answer repeats. Messages out: `ready` (ports) or `error` (message), then `done`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startPod, type Pod } from './pods.js';
import type { PodWorkerData, ToPods } from './pod-host.js';
import { createRng } from '../util/random.js';

const port = parentPort!;
const data = workerData as PodWorkerData;
const seen = new Uint32Array(data.seen);
/** SeenRequest.at on the clock of the thread that reads it (performance.now() differs per thread) */
const now = () => performance.timeOrigin + performance.now() - data.timeOrigin;

const pods: Pod[] = [];
try {
  for (const [i, spec] of data.specs.entries())
    pods.push(
      await startPod(spec, createRng(data.seeds[i]), { seen: seen.subarray(data.slots[i], data.slots[i] + 1), now }),
    );
  port.on('message', (m: ToPods) => void answer(m));
  port.postMessage({ type: 'ready', ports: pods.map((p) => p.port) });
} catch (err) {
  await Promise.all(pods.map((p) => p.stop()));
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  port.close();
}

async function answer(m: ToPods): Promise<void> {
  switch (m.type) {
    case 'behaviour':
      await pods[m.pod].setBehaviour(m.behaviour);
      return port.postMessage({ type: 'done', id: m.id });
    case 'requests':
      return port.postMessage({ type: 'done', id: m.id, requests: await pods[m.pod].lastRequests() });
    case 'stop':
      await Promise.all(pods.map((p) => p.stop()));
      port.postMessage({ type: 'done', id: m.id });
      return port.close();
  }
}
