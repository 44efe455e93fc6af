/**
 * One endpoint of a cluster (Envoy's `HostImpl`): where it listens and its per-host request
 * counters for `/clusters`. Health (outlier ejection) is not kept here: the outlier detector
 * owns it (src/mesh/outlier.ts) and the cluster asks it.
 */
import type { PodHandle } from './pods.js';

export class Host {
  /** for /clusters */
  rqTotal = 0;
  rqActive = 0;
  rqSuccess = 0;
  rqError = 0;
  rqTimeout = 0;
  cxActive = 0;

  constructor(
    readonly pod: PodHandle,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  connectDelayMs(): number {
    return this.pod.behaviour().connectDelayMs ?? 0;
  }
}
