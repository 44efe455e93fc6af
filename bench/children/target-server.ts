/**
 * The loopback target for engine benchmarks, run in its own process: a minimal HTTP server
 * answering "ok", optionally after a fixed delay. (The accuracy benchmarks' server, which
 * times itself, is kernel-timed-server.py: a Node server can only time from its own read.)
 *
 * argv: [delayMs]. IPC: → {type:'ready', port}; {type:'stop'} → exit.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tell, type Message } from '../lib/proc.js';

const delayMs = Number(process.argv[2] ?? 0);
const BODY = Buffer.from('ok');
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) };

function respond(res: ServerResponse): void {
  res.writeHead(200, HEADERS);
  res.end(BODY);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  req.resume(); // drain any body so keep-alive continues
  if (delayMs > 0) setTimeout(respond, delayMs, res);
  else respond(res);
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  tell({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 });
});

process.on('message', (m: Message) => {
  if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// the parent died: do not linger
process.on('disconnect', () => process.exit(0));
