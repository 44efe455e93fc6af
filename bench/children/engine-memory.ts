/**
 * Runs the built-in engine, closed loop, until it has completed `requests` requests against
 * `url`, then reports its own memory: RSS right after the run (results still held) and the
 * peak RSS of the process. Its own process, so nothing else's heap is counted.
 *
 * argv: url requests vus maxSeconds. IPC: → {type:'memory', requests, rssMb, peakRssMb, seconds}.
 */
import { closedLoop, runEngine } from '../lib/load.js';
import { tell } from '../lib/proc.js';
import { builtinEngine } from '../lib/subjects.js';

const [url, requests, vus, maxSeconds] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];

try {
  const engine = await builtinEngine();
  const stop = new AbortController();
  // the duration is only a bound; the run ends when progress shows `requests` done
  const t0 = performance.now();
  const result = await runEngine(engine, url, closedLoop(vus, maxSeconds), {
    signal: stop.signal,
    onProgress: (p) => {
      if (p.requests >= requests) stop.abort();
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  tell({ type: 'memory', requests: result.requests, rssMb, peakRssMb, seconds });
} catch (e) {
  tell({ type: 'error', message: (e as Error).message });
}
process.disconnect?.();
