/**
 * §3.2 the ejection multiplier's decay as each emulated Envoy runs it (src/mesh/proxy.ts rule 2),
 * on the detector alone with a hand-driven clock. Current Envoy (≥ 1.28,
 * `DetectorImpl::onIntervalTimer`) decrements the multiplier only for a host healthy for a whole
 * interval, so not on the tick that brings it back: a host that fails again at once is ejected
 * for 2 × base. Envoy ≤ 1.27 decremented it on that very tick (changelogs/1.28.0.yaml: "A node
 * must stay in healthy state for at least one period of check interval before ejection time
 * multiplier is decremented"), so the host is ejected for base again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OutlierDetector } from '../../src/mesh/outlier.js';
import { StatsStore } from '../../src/mesh/stats.js';
import type { ProxyVersion } from '../../src/mesh/proxy.js';

const BASE = 1000;
const settings = {
  consecutive5xx: 1,
  enforcing5xx: 100,
  consecutiveGateway: 5,
  enforcingGateway: 0,
  splitLocalOrigin: false,
  consecutiveLocal: 5,
  enforcingLocal: 100,
  // the detector's own timer never fires here: the test ticks it by hand
  intervalMs: 3_600_000,
  baseEjectionMs: BASE,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 100,
};

/** A ejected at t=0, back at the tick t=base, failing again at once; is A ejected after the tick at t=2·base? */
function ejectedAfterSecondTick(proxy: ProxyVersion): boolean[] {
  let now = 0;
  const hosts = [{ id: 'A' }, { id: 'B' }, { id: 'C' }];
  const det = new OutlierDetector(
    hosts,
    settings,
    new StatsStore().cluster('c'),
    () => now,
    proxy,
    () => {},
  );
  const tick = () => (det as unknown as { sweep(): void }).sweep(); // the interval timer's callback
  try {
    const [a] = hosts;
    det.onStatus(a, 503); // multiplier 1, ejected for base
    now = BASE;
    tick(); // back
    const back = !det.isEjected(a);
    det.onStatus(a, 503); // current: multiplier 2 (2 × base); ≤ 1.27: 1 again (base)
    now = 2 * BASE;
    tick();
    const atTwo = det.isEjected(a);
    now = 3 * BASE;
    tick();
    return [back, atTwo, det.isEjected(a)];
  } finally {
    det.stop();
  }
}

test('§3.2 current Envoy: the tick that un-ejects a host does not decay its multiplier; failing again at once → ejected 2 × base', () => {
  assert.equal(ejectedAfterSecondTick('current'), [true, true, false]);
});

test('§3.2 proxy envoy-1.26 (Envoy ≤ 1.27): that tick decays it too; failing again at once → ejected base again', () => {
  assert.equal(ejectedAfterSecondTick('envoy-1.26'), [true, false, false]);
});

test.run();
