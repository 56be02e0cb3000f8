import { createJulesSimulator, type JulesSimulator, type JulesSimulatorOptions } from '../src/index.ts';

export const KEY = 'test-key';
export const REPO = 'sources/github/acme-corp/storefront';

export interface Client {
  sim: JulesSimulator;
  /** Calls the API in-process with the API key; returns status, parsed body and headers. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  get(path: string): Promise<any>;
  post(path: string, body?: unknown): Promise<any>;
  /** Creates a session and returns the wire session. */
  create(prompt: string, extra?: Record<string, unknown>): Promise<any>;
  activities(id: string): Promise<any[]>;
  /** Advances sim time in steps (so each step's lazy catch-up is exercised) . */
  advance(ms: number, steps?: number): void;
}

/** A manual-clock simulator with a small client over app.request(). */
export function makeClient(opts: JulesSimulatorOptions = {}): Client {
  const sim = createJulesSimulator({ manualClock: true, seed: 1, apiKeys: [KEY], ...opts });
  const call: Client['call'] = async (method, path, body, headers = {}) => {
    const res = await sim.app.request(path, {
      method,
      headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // leave as text: some tests look at malformed bodies
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const ok = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await call(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    sim,
    call,
    get: (p) => ok('GET', p),
    post: (p, b) => ok('POST', p, b ?? {}),
    create: (prompt, extra = {}) => ok('POST', '/v1alpha/sessions', { prompt, ...extra }),
    activities: async (id) => (await ok('GET', `/v1alpha/sessions/${id}/activities?pageSize=100`)).activities ?? [],
    advance(ms, steps = 10) {
      for (let i = 0; i < steps; i++) sim.clock.advance(ms / steps);
    },
  };
}

export const repoContext = (branch = 'main') => ({
  sourceContext: { source: REPO, githubRepoContext: { startingBranch: branch } },
  automationMode: 'AUTO_CREATE_PR',
});

export const HOUR = 3_600_000;
