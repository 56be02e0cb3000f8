import { createJulesSimulator, type JulesSimulator } from '@autopilot/jules-sim';
import type { Logger } from '../../platform/logger';
import { JULES_BASE_URL } from './client';

/** Where the configured (not API-added) Jules account points: the real API with JULES_API_KEY, or the simulator. */
export interface JulesRuntime {
  origin: 'env' | 'simulator';
  name: string;
  apiKey: string;
  baseUrl: string;
  simulated: boolean;
  /** The in-process simulator in demo mode. */
  simulator?: JulesSimulator;
  close(): Promise<void>;
}

export interface JulesRuntimeOptions {
  apiKey?: string;
  baseUrl?: string;
  demo: { sessions: number; speed: number; spreadHours: number; seed?: number | string };
  log: Logger;
}

/**
 * Demo mode without JULES_API_KEY: the bundled simulator runs in this process on an ephemeral 127.0.0.1 port,
 * with a mix of sessions that visibly move within a minute, and the log says plainly that sessions are simulated.
 */
export async function startJulesRuntime(o: JulesRuntimeOptions): Promise<JulesRuntime> {
  if (o.apiKey) {
    return { origin: 'env', name: 'JULES_API_KEY', apiKey: o.apiKey, baseUrl: (o.baseUrl ?? JULES_BASE_URL).replace(/\/+$/, ''), simulated: false, close: async () => {} };
  }
  const apiKey = 'demo-simulator-key';
  const simulator = createJulesSimulator({ apiKeys: [apiKey], sessions: o.demo.sessions, speed: o.demo.speed, spreadHours: o.demo.spreadHours, seed: o.demo.seed ?? Date.now() });
  const served = await simulator.listen(0, '127.0.0.1');
  o.log.warn(
    { simulator: served.baseUrl, sessions: o.demo.sessions, speed: o.demo.speed },
    'Jules sessions are SIMULATED: JULES_API_KEY is not set, so the built-in Jules simulator is serving demo sessions',
  );
  return { origin: 'simulator', name: 'Simulator (demo)', apiKey, baseUrl: served.baseUrl, simulated: true, simulator, close: () => served.close() };
}
