import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../packages/server/src/platform/config';
import { startOrchestrator, type Orchestrator } from '../../packages/server/src/main';

export const BENCH_KEY = 'ap_bench_admin_key_0123456789';

/** A real orchestrator on a temp DATA_DIR, listening on an ephemeral 127.0.0.1 port. */
export async function startBenchOrchestrator(env: Record<string, string> = {}): Promise<{ orch: Orchestrator; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-orch-'));
  const orch = await startOrchestrator(loadConfig({ DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', AUTOPILOT_ADMIN_KEY: BENCH_KEY, ...env }));
  return {
    orch,
    async close() {
      await orch.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
