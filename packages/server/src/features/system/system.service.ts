import type { ComponentHealth, Health } from '@autopilot/contracts';
import type { Loop } from '../../platform/loops';

export interface HealthProbe {
  name: string;
  /** Resolves with latency in ms, or throws when the component is down. */
  check(): Promise<number>;
  /** A failing optional component degrades health instead of taking it down. */
  optional?: boolean;
}

export interface SystemDeps {
  version: string;
  instanceId: string;
  startedAt: number;
  mode: Health['mode'];
  probes: HealthProbe[];
  loops: () => Loop[];
  /** Extra component states (e.g. circuit breakers) contributed by features. */
  extras?: () => ComponentHealth[];
}

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

/** Health of every dependency and background loop, checked in parallel with a timeout each. */
export function createSystemService(deps: SystemDeps) {
  return {
    /** Health as one workspace's key sees it: shared components, global loops and that workspace's own loops. */
    async health(viewerWorkspaceId?: string): Promise<Health> {
      const components: ComponentHealth[] = await Promise.all(
        deps.probes.map(async (p) => {
          try {
            const latency = await withTimeout(p.check(), 2000);
            return { name: p.name, status: 'ok' as const, latencyMs: Math.round(latency * 100) / 100 };
          } catch (err) {
            return { name: p.name, status: p.optional ? ('degraded' as const) : ('down' as const), latencyMs: null, detail: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      components.push(...(deps.extras?.() ?? []));
      const loops = deps
        .loops()
        .map((l) => l.status())
        .filter((l) => !l.workspaceId || l.workspaceId === viewerWorkspaceId)
        .map(({ workspaceId: _w, ...rest }) => rest);
      const status = components.some((c) => c.status === 'down')
        ? 'down'
        : components.some((c) => c.status === 'degraded') || loops.some((l) => l.lastError)
          ? 'degraded'
          : 'ok';
      return {
        status,
        version: deps.version,
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
        instanceId: deps.instanceId,
        mode: deps.mode,
        components,
        loops,
      };
    },
  };
}
export type SystemService = ReturnType<typeof createSystemService>;
