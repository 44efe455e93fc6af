/**
 * Child process for the Ctrl-C test of tests/load/k6-engine.test.ts: runs the k6 engine with the
 * fake k6 until SIGINT, and on its own SIGINT aborts the run as the CLI's signal guard does
 * (src/cli/signals.ts). The test sends SIGINT to this process's whole group, as a terminal's
 * Ctrl-C does. Usage: k6-ctrl-c.ts <fake k6> <script> <responses.json> <ready file>; prints one
 * JSON line: { requests } or { error }. With a fifth argument `exit`, it exits at once (code 3,
 * as the CLI's third Ctrl-C does) as soon as k6 is ready, leaving k6 to whatever stops it;
 * `exit-2` runs two k6 at once (as --instances 2 does) and exits once both are ready.
 */
import { existsSync, readFileSync } from 'node:fs';
import { K6Engine } from '../../../src/load/k6/engine.js';

const [k6, script, responses, ready, mode] = process.argv.slice(2);
/** how many k6 run at once */
const runs = mode === 'exit-2' ? 2 : 1;
/** the fake appends one `ready <pid>` line per k6 process */
const readyCount = () => (existsSync(ready) ? readFileSync(ready, 'utf8').trim().split('\n').length : 0);
if (mode === 'exit' || mode === 'exit-2') {
  const poll = setInterval(() => {
    if (readyCount() >= runs) process.exit(3);
  }, 20);
  poll.unref();
}
const abort = new AbortController();
// a moment later than the group's SIGINT, so that — without a group of its own — k6 would surely
// see two signals (two SIGINTs pending at once merge into one: standard signals do not queue)
process.on('SIGINT', () => setTimeout(() => abort.abort(), 200));
const env = { ...process.env, FAKE_K6_RESPONSES: responses, FAKE_K6_UNTIL_SIGINT: '1', FAKE_K6_READY: ready };
Promise.all(
  Array.from({ length: runs }, () =>
    new K6Engine({ k6, script, env }).run(
      { executor: 'constant-vus', vus: 1, duration: '1s' },
      { method: 'GET', baseUrl: 'http://127.0.0.1:9', path: '/' },
      { signal: abort.signal },
    ),
  ),
)
  .then(([r]) => r)
  .then(
    (r) => process.stdout.write(`${JSON.stringify({ requests: r.requests })}\n`),
    (e: Error) => process.stdout.write(`${JSON.stringify({ error: e.message })}\n`),
  );
