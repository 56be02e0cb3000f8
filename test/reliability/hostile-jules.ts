import http from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A Jules API that lies: a proxy in front of the simulator that plants markup, event handlers and `javascript:`
 * URLs in every text field Jules controls (titles, plan steps, agent messages, progress, failure reasons, PR titles,
 * PR urls, the session's own url). The wire format stays the simulator's, so the orchestrator mirrors it as usual.
 */

/**
 * Payload templates; `T` becomes a token naming the field, so a hit says which one executed. Each would call
 * alert() and set window.__pwned if a browser ever interpreted it.
 */
export const PAYLOAD_TEMPLATES = [
  `<script>alert('T');window.__pwned='T'</script>`,
  `<img src=x onerror="alert('T');window.__pwned='T'">`,
  `<svg onload="alert('T');window.__pwned='T'"></svg>`,
  `"><img src=x onerror=alert('T')>`,
  `' autofocus onfocus='alert("T");window.__pwned="T"' x='`,
  `javascript:alert('T')`,
  `[open the docs](javascript:alert('T'))`,
  `<a href="javascript:alert('T')">T</a>`,
  `<iframe srcdoc="<script>parent.alert('T')</script>"></iframe>`,
  `<details open ontoggle="alert('T');window.__pwned='T'">x</details>`,
  `{{constructor.constructor('alert("T")')()}}`,
] as const;

/** The i-th payload (cycling) with its token. */
export const payload = (i: number, token: string): string => PAYLOAD_TEMPLATES[i % PAYLOAD_TEMPLATES.length]!.replaceAll('T', token);

const TEXT_KEYS = new Set(['title', 'description', 'agentMessage', 'userMessage', 'reason', 'suggestedCommitMessage']);

// A stable pick per original text, so every poll returns the same poisoned value (the mirror does not churn).
const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

function poison(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => poison(x, key));
  if (typeof v === 'string') {
    if (!key || !TEXT_KEYS.has(key)) return v;
    const h = hash(`${key}:${v}`);
    return `${v} ${payload(h, `${key}-${h % 1000}`)}`;
  }
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
  if (typeof o.name === 'string' && /^sessions\/[^/]+$/.test(o.name) && typeof o.state === 'string') {
    // Every session gets a pull request whose url is a script, and a script as its Jules url.
    const pr = { url: `javascript:alert('pr-url');window.__pwned='pr-url'`, title: payload(1, 'pr-title'), description: payload(0, 'pr-body'), baseRef: 'main', headRef: 'jules/x' };
    o.url = `javascript:alert('jules-url');window.__pwned='jules-url'`;
    o.outputs = [...((o.outputs as unknown[] | undefined) ?? []).filter((x) => !(x as { pullRequest?: unknown }).pullRequest), { pullRequest: pr }];
  }
  return o;
}

export interface HostileJules {
  url: string;
  close(): Promise<void>;
}

/** Starts the lying proxy on 127.0.0.1 in front of `target` (the simulator's base URL). */
export async function startHostileJules(target: string): Promise<HostileJules> {
  const base = target.replace(/\/+$/, '');
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = { 'x-goog-api-key': String(req.headers['x-goog-api-key'] ?? '') };
      if (body.length) headers['content-type'] = String(req.headers['content-type'] ?? 'application/json');
      const up = await fetch(base + req.url, { method: req.method, headers, ...(body.length ? { body } : {}) });
      let text = await up.text();
      if (up.ok) {
        try {
          text = JSON.stringify(poison(JSON.parse(text)));
        } catch {
          // Not JSON (a corrupted answer): passed on as it is.
        }
      }
      const out: Record<string, string> = { 'content-type': up.headers.get('content-type') ?? 'application/json' };
      const retryAfter = up.headers.get('retry-after');
      if (retryAfter) out['retry-after'] = retryAfter;
      res.writeHead(up.status, out).end(text);
    })().catch((err: Error) => res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
