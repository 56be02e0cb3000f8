import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config';
import { startOrchestrator, type Orchestrator } from '../src/main';

export const ADMIN_KEY = 'ap_test_admin_key_0123456789abcdef';

export interface TestOrchestrator {
  orch: Orchestrator;
  dataDir: string;
  /** In-process request through the app (no socket), with the given key (default: the admin key). */
  request(pathname: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  /** Creates another workspace through the API and returns its owner key. */
  newWorkspace(name: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/**
 * Starts a real orchestrator on a temp DATA_DIR (SQLite, embedded queue) with a known admin key. Extra env is
 * merged over the defaults (e.g. DATABASE_URL for PostgreSQL).
 */
export async function startTestOrchestrator(env: Record<string, string> = {}, opts: { listen?: boolean } = {}): Promise<TestOrchestrator> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-test-'));
  // Accounts added without a base URL would poll the public Jules API (and GitHub connections call GitHub's):
  // point them at a closed loopback port.
  // Suites that send many wrong keys on purpose (every route x a wrong key) all come from one in-process address;
  // the throttle's own test (auth-throttle.test.ts) runs with the default limit.
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, JULES_API_BASE_URL: 'http://127.0.0.1:9/v1alpha', GITHUB_API_URL: 'http://127.0.0.1:9', AUTH_FAILURES_PER_MINUTE: '100000', ...env });
  const orch = await startOrchestrator(config, { listen: opts.listen ?? false });
  const request: TestOrchestrator['request'] = (pathname, init = {}) => {
    const { key = ADMIN_KEY, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return Promise.resolve(orch.app.request(pathname, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }));
  };
  return {
    orch,
    dataDir,
    request,
    async newWorkspace(name) {
      const res = await request('/api/workspaces', { method: 'POST', json: { name } });
      if (res.status !== 201) throw new Error(`workspace create failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { workspace: { id: string }; ownerKey: { key: string } };
      return { id: body.workspace.id, key: body.ownerKey.key };
    },
    async close() {
      await orch.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every registered /api route as [method, path with :params], from the app's router. */
export function apiRoutes(orch: Orchestrator): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const out: Array<{ method: string; path: string }> = [];
  for (const r of orch.app.routes) {
    if (!r.path.startsWith('/api/') || r.method === 'ALL') continue;
    const k = `${r.method} ${r.path}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

/** Replaces :params (and {params}) with a value. */
export const fillParams = (p: string, value = 'does-not-exist') => p.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, value).replace(/\{[^}]+\}/g, value);
