import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../platform/clock';
import { deriveSubkey } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Feature } from '../../platform/feature';
import type { Logger } from '../../platform/logger';
import { intervalLoop } from '../../platform/loops';
import type { Metrics } from '../../platform/metrics';
import type { Outbound } from '../../platform/outbound/outbound';
import { createAuditStore } from './audit.store';
import { createAuditService, type AuditService } from './audit.service';
import { registerAuditRoutes } from './audit.routes';
import { auditedBus, auditMiddleware } from './audit.record';

export type { AuditService } from './audit.service';
export { chainChecker, checkpointSignatureOk, entryHash } from './audit.chain';

export interface AuditConfig {
  AUDIT_RETENTION_DAYS: number;
  AUDIT_CHECKPOINT_EVERY: number;
  AUDIT_CHECKPOINT_MINUTES: number;
  AUDIT_CHECKPOINT_DIR?: string;
  AUDIT_CHECKPOINT_URL?: string;
}

/**
 * The tamper-evident audit trail (issue #16; README.md). The checkpoint signing key is an ed25519 key whose seed is
 * derived from the master key with HKDF (`audit-checkpoint-ed25519`): nothing extra to store or rotate, and the
 * public key is in every checkpoint. `record` is the HTTP recorder (after authentication); `wrapBus` the publisher
 * side recorder of automated changes.
 */
export function createAuditFeature(deps: { db: Db; clock: Clock; log: Logger; metrics?: Metrics; masterKey: Buffer; outbound?: Outbound; config: AuditConfig; defaultWorkspaceId?: () => string | undefined }): Feature<AuditService> & {
  record: MiddlewareHandler;
  wrapBus(bus: EventBus): EventBus;
} {
  const c = deps.config;
  const service = createAuditService({
    store: createAuditStore(deps.db), clock: deps.clock, log: deps.log, metrics: deps.metrics, signingSeed: deriveSubkey(deps.masterKey, 'audit-checkpoint-ed25519'),
    checkpointEvery: c.AUDIT_CHECKPOINT_EVERY, retentionDays: c.AUDIT_RETENTION_DAYS, exports: { dir: c.AUDIT_CHECKPOINT_DIR, url: c.AUDIT_CHECKPOINT_URL, outbound: deps.outbound },
  });
  const append = (ws: string, d: Parameters<AuditService['record']>[1], source: 'http' | 'event') => service.record(ws, d, source);
  const loop = intervalLoop('audit', c.AUDIT_CHECKPOINT_MINUTES * 60_000, () => service.tick(), deps.log, { clock: deps.clock });
  return {
    service, loops: [loop], routes: (app) => registerAuditRoutes(app, { service }),
    record: auditMiddleware({ append, defaultWorkspaceId: deps.defaultWorkspaceId }),
    wrapBus: (bus) => auditedBus(bus, { append }),
  };
}
