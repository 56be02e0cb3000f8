/**
 * The gateway bench's fake OpenAI upstream in its own process (so its CPU is counted on neither side of the bench's
 * `process.cpuUsage` figures): `node bin/run-ts.mjs bench/gateway/upstream.ts` prints `listening <url>` on stdout and
 * serves on 127.0.0.1 until stdin closes (the bench ending, even by a crash) or SIGTERM.
 */
import http from 'node:http';
import { startFakeUpstream } from '../../packages/server/test/fakes/llm-upstream';

// The fake keeps idle connections 1 s (`Keep-Alive: timeout=1`), and undici keeps a socket for the hinted timeout
// minus 1 s: 0, so every call of either side opened a new connection. Vendors' APIs keep them much longer; so
// does this process (the same for the direct and the gateway calls).
const createServer = http.createServer;
http.createServer = ((...args: Parameters<typeof http.createServer>) => {
  const server = createServer(...args);
  server.on('listening', () => (server.keepAliveTimeout = 60_000));
  return server;
}) as typeof http.createServer;

const up = await startFakeUpstream();
up.script(() => ({ text: 'Session 42 is waiting for plan approval.', inputTokens: 40, outputTokens: 9 }));
// The fake keeps every request for tests; the bench sends thousands, so drop them as they arrive.
setInterval(() => (up.calls.length = 0), 1000).unref();
process.stdout.write(`listening ${up.url}\n`);
const stop = () => void up.close().then(() => process.exit(0));
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop);
