/** The local mesh as an experiment target: started per scenario with its app model and seed. */
import { startMesh } from '../mesh/index.js';
import { selectGatewayStats } from '../analysis/gateway-counters.js';
import type { Scenario } from '../scenario/scenario.js';
import type { OpenTarget } from '../ports.js';
import { LocalApplier } from './local-applier.js';
import { describeLocalGateway } from '../scenario/local-gateway.js';

export async function openLocalTarget(scenario: Scenario): Promise<OpenTarget> {
  const { workers, network } = scenario.localGateway;
  const mesh = await startMesh({ app: scenario.local, seed: scenario.seed, workers, network });
  return {
    applier: new LocalApplier(mesh, describeLocalGateway(scenario.localGateway)),
    target: { url: mesh.gatewayUrl, host: scenario.target.host ?? scenario.local.gatewayHost, kind: 'local' },
    // the gateway serves from this process's main thread: the orchestrator moves the engine off it
    topology: { mesh: 'in-process', pods: 'in-process' },
    namespace: scenario.policy.namespace ?? scenario.local.service.namespace,
    // the same counter selection a real gateway's /stats gets (src/cluster/counters.ts)
    counters: { read: async () => selectGatewayStats(mesh.stats()) },
    close: () => mesh.stop(),
  };
}
