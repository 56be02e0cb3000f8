import type { ApiClient } from '@autopilot/client';
import { routes } from '@autopilot/contracts';
import type { AuditCheckpoint, AuditEntry, AuditVerify } from './types';

/*
 * The audit API as the page calls it. Until the audit client methods exist this goes through the client's raw
 * transport (same cookie, CSRF and errors); the shapes are in ./types.
 */
const any = <T>() => ({ safeParse: (v: unknown) => ({ success: true as const, data: v as T }) });

export function auditCalls(api: ApiClient) {
  const t = api.transport;
  return {
    list: (query: Record<string, string | number | undefined>, signal?: AbortSignal) => t.request({ method: 'GET', path: '/api/audit', query, schema: any<{ items: AuditEntry[]; nextCursor: string | null }>(), signal }),
    verify: () => t.request({ method: 'GET', path: '/api/audit/verify', schema: any<AuditVerify>() }),
    checkpoints: (signal?: AbortSignal) => t.request({ method: 'GET', path: '/api/audit/checkpoints', schema: any<{ items: AuditCheckpoint[] }>(), signal }),
    checkpoint: () => t.request({ method: 'POST', path: '/api/audit/checkpoints', schema: any<AuditCheckpoint>() }),
  };
}

/** Whether the audit API is declared yet (until then the page says so instead of calling routes that 404). */
export const hasAuditApi = () => Object.keys(routes.audit).length > 0;
