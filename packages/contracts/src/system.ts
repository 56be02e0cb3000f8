import { z } from '@hono/zod-openapi';

export const ComponentHealth = z.object({
  name: z.string(),
  status: z.enum(['ok', 'degraded', 'down']),
  latencyMs: z.number().nullable(),
  detail: z.string().optional(),
});
export type ComponentHealth = z.infer<typeof ComponentHealth>;

/** `GET /api/health`: every dependency and background loop, with latencies. */
export const Health = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    uptimeSeconds: z.number(),
    instanceId: z.string(),
    mode: z.object({ database: z.enum(['sqlite', 'postgres']), queue: z.enum(['embedded', 'bullmq']), events: z.enum(['memory', 'redis']), jules: z.enum(['simulator', 'remote']) }),
    components: z.array(ComponentHealth),
    loops: z.array(
      z.object({ name: z.string(), running: z.boolean(), lastRunAt: z.string().nullable(), lastError: z.string().nullable(), ticks: z.number() }),
    ),
  })
  .openapi('Health');
export type Health = z.infer<typeof Health>;
