/**
 * The loopback target for engine benchmarks, run in its own process: a minimal HTTP server
 * answering "ok", optionally after a fixed delay. With `--record` it measures the
 * server-side truth — request received → response end ('finish', the last byte handed to
 * the kernel) — into an HDR histogram the parent can read and reset over IPC.
 *
 * argv: [delayMs] [--record]. IPC: → {type:'ready', port}; {type:'stats'} → {type:'stats',
 * summary}; {type:'reset'} → {type:'reset'}; {type:'stop'} → exit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHistogram, summarize } from '../../src/load/histogram.js';
import { tell, type Message } from '../lib/proc.js';

const delayMs = Number(process.argv[2] ?? 0);
const record = process.argv.includes('--record');
const BODY = Buffer.from('ok');
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) };
let truth = createHistogram();

function respond(res: ServerResponse): void {
  res.writeHead(200, HEADERS);
  res.end(BODY);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  req.resume(); // drain any body so keep-alive continues
  if (record) {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => truth.recordValue(Math.max(1, Math.round(Number(process.hrtime.bigint() - t0) / 1000))));
  }
  if (delayMs > 0) setTimeout(respond, delayMs, res);
  else respond(res);
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  tell({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 });
});

process.on('message', (m: Message) => {
  if (m.type === 'stats') tell({ type: 'stats', summary: summarize(truth) });
  else if (m.type === 'reset') {
    truth = createHistogram();
    tell({ type: 'reset' });
  } else if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// the parent died: do not linger
process.on('disconnect', () => process.exit(0));
