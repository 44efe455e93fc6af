/**
 * The local mesh in its own process (the gateway on this process's event loop, the pods on
 * their worker thread, as in `meshproof mesh`), with a pass-through policy applied: a DestinationRule whose
 * connection-pool limits are never reached, so every request takes the full data-plane
 * path (§6: route → fault → router → LB → pool admission) and nothing is shed.
 *
 * argv: pods podLatencyMs. IPC: → {type:'ready', gatewayUrl, host, podUrls}; {type:'stats'} →
 * {type:'stats', stats} (the gateway's Envoy counters); {type:'stop'} → exit.
 */
import { loadPolicyText } from '../../src/policy/load.js';
import { tell, type Message } from '../lib/proc.js';
import { startLocalMesh } from '../lib/subjects.js';

/** Limits far above anything a benchmark reaches: the policy exists but never acts. */
const PASS_THROUGH_POLICY = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: productpage, namespace: default }
spec:
  host: productpage
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: 100000 }
      http: { http1MaxPendingRequests: 100000, http2MaxRequests: 100000 }
`;

const pods = Number(process.argv[2] ?? 1);
const latencyMs = Number(process.argv[3] ?? 0);

try {
  const mesh = await startLocalMesh(pods, latencyMs);
  await mesh.applyPolicies(loadPolicyText(PASS_THROUGH_POLICY, 'bench/pass-through.yaml'));
  tell({ type: 'ready', gatewayUrl: mesh.gatewayUrl, host: mesh.host, podUrls: mesh.podUrls });
  process.on('message', (m: Message) => {
    if (m.type === 'stats') tell({ type: 'stats', stats: mesh.stats() });
    else if (m.type === 'stop') void mesh.stop().then(() => process.exit(0));
  });
  process.on('disconnect', () => void mesh.stop().then(() => process.exit(0)));
} catch (e) {
  tell({ type: 'error', message: (e as Error).stack ?? String(e) });
  process.exit(1);
}
