import { createHmac } from 'node:crypto';
import type { Ids } from './ids.ts';
import type { Hook, Repo } from './types.ts';

/** One webhook delivery attempt (GET /_sim/deliveries). */
export interface Delivery {
  /** X-GitHub-Delivery; a redelivery keeps it. */
  id: string;
  event: string;
  action?: string;
  repo: string;
  url: string;
  hookId: number;
  /** The exact body sent (signed). */
  body: string;
  signature: string;
  /** Receiver's status, 0 when it could not be reached. */
  status: number;
  error?: string;
  redelivery: boolean;
  /** Sim time (ISO) it was sent. */
  at: string;
}

export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Sends events to each repository's hooks (plus global ones) with GitHub's headers, keeps a delivery log, and
 * redelivers by id with the same id and body. Sending is asynchronous: `idle()` waits for all in flight.
 */
export class Webhooks {
  private log: Delivery[] = [];
  private inFlight = new Set<Promise<void>>();
  global: Hook[] = [];

  constructor(private readonly ids: Ids, private readonly nowIso: () => string) {}

  deliver(repo: Repo, event: string, payload: Record<string, unknown>): void {
    for (const hook of [...repo.hooks, ...this.global]) {
      if (!hook.events.includes('*') && !hook.events.includes(event)) continue;
      const body = JSON.stringify(payload);
      const d: Delivery = {
        id: this.ids.uuid(), event, repo: `${repo.owner}/${repo.name}`, url: hook.url, hookId: hook.id, body,
        signature: signBody(hook.secret, body), status: 0, redelivery: false, at: this.nowIso(),
        ...(typeof payload.action === 'string' ? { action: payload.action } : {}),
      };
      this.send(d);
    }
  }

  redeliver(id: string): Delivery | undefined {
    const first = this.log.find((d) => d.id === id);
    if (!first) return undefined;
    const d: Delivery = { ...first, status: 0, error: undefined, redelivery: true, at: this.nowIso() };
    this.send(d);
    return d;
  }

  private send(d: Delivery): void {
    this.log.push(d);
    const p = fetch(d.url, {
      method: 'POST', body: d.body,
      headers: {
        'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/sim', 'x-github-event': d.event,
        'x-github-delivery': d.id, 'x-hub-signature-256': d.signature, 'x-github-hook-id': String(d.hookId),
        'x-github-hook-installation-target-type': 'repository',
      },
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (res) => {
        d.status = res.status;
        await res.body?.cancel();
      },
      (e: unknown) => {
        d.error = e instanceof Error ? e.message : String(e);
      },
    ).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  deliveries(o: { event?: string } = {}): Delivery[] {
    return this.log.filter((d) => !o.event || d.event === o.event);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  clear(): void {
    this.log = [];
  }
}
