// One SSE client process for bench/sse: opens N streams on GET /api/events, and for every event whose session id is
// `bench-<sentAt>` (sentAt: a wall-clock time in ms with sub-ms precision, performance.timeOrigin + performance.now(),
// comparable across processes on one machine) records receive time minus sentAt. The parent talks to it over the
// fork IPC channel: it sends {ready} once every stream said hello, and answers {lags} to "finish". Plain JS so the
// child starts without a TypeScript loader, and so its parsing cost lands in its own process, not in the server's.
import { Agent } from 'undici';

const [url, key, countArg] = process.argv.slice(2);
const count = Number(countArg);
const dispatcher = new Agent({ connections: count + 4, keepAliveTimeout: 60_000 });
const now = () => performance.timeOrigin + performance.now();
const lags = [];
const readers = [];
let ready = 0;

async function open() {
  const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${key}` }, dispatcher });
  if (!res.ok) throw new Error(`GET /api/events answered ${res.status}`);
  const reader = res.body.getReader();
  readers.push(reader);
  const dec = new TextDecoder();
  let buf = '';
  let hello = false;
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ done: true }));
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (!hello && block.includes('event: hello')) {
        hello = true;
        if (++ready === count) process.send({ ready });
        continue;
      }
      const m = /"id":"bench-([0-9.]+)"/.exec(block);
      if (m) lags.push(now() - Number(m[1]));
    }
  }
}

process.on('message', async (msg) => {
  if (msg !== 'finish') return;
  for (const r of readers) await r.cancel().catch(() => {});
  process.send({ lags }, () => process.exit(0));
});
for (let i = 0; i < count; i++) open().catch((err) => { process.send({ error: String(err) }); process.exit(1); });
