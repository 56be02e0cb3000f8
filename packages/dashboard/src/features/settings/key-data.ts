import type { ApiClient } from '@autopilot/client';
import { CreateApiKeyBody, routes } from '@autopilot/contracts';
import type { ApiKeyInfo } from '@autopilot/contracts';

/* Provisional: the key scope/limit/usage shapes and calls until the key contracts and client methods land. */

export interface KeyLimits {
  ratePerMinute: number | null;
  requestsPerDay: number | null;
  llmUsdPerMonth: number | null;
}
export type KeyInfo = ApiKeyInfo & { scopes?: string[] | null; limits?: KeyLimits | null };
export interface KeyUsage {
  requestsToday: number;
  requestsPerDay: number | null;
  llmUsdThisMonth: number;
  llmUsdPerMonth: number | null;
  sessionCreates: number;
  lastUsedAt: string | null;
}
export interface KeyPatch {
  name?: string;
  scopes?: string[] | null;
  limits?: KeyLimits;
}

const any = <T>() => ({ safeParse: (v: unknown) => ({ success: true as const, data: v as T }) });

export function keyCalls(api: ApiClient) {
  const t = api.transport;
  const at = (id: string) => `/api/keys/${encodeURIComponent(id)}`;
  return {
    update: (id: string, body: KeyPatch) => t.request({ method: 'PATCH', path: at(id), body, schema: any<KeyInfo>() }),
    usage: (id: string, signal?: AbortSignal) => t.request({ method: 'GET', path: `${at(id)}/usage`, schema: any<KeyUsage>(), signal }),
  };
}

/** Whether the server declares `method path` (a part of the API still being built is left off the page, not a 404). */
export function declares(method: string, path: string): boolean {
  return Object.values(routes).some((f) => Object.values(f as Record<string, { method: string; path: string }>).some((d) => d.method === method && d.path === path));
}
export const hasKeyUsage = () => declares('get', '/api/keys/{id}/usage');
export const hasKeyUpdate = () => declares('patch', '/api/keys/{id}');
/** Whether a new key may carry scopes / limits (the create body declares them). */
export const keysTakeScopes = () => 'scopes' in CreateApiKeyBody.shape;
export const keysTakeLimits = () => 'limits' in CreateApiKeyBody.shape || 'ratePerMinute' in CreateApiKeyBody.shape;
