import type { ApiClient } from '@autopilot/client';
import { CreateApiKeyBody, routes } from '@autopilot/contracts';
import type { ApiKeyInfo, KeyLimits, KeyUsage, UpdateApiKeyBody } from '@autopilot/contracts';

/* The key scope/limit/usage shapes (from the contracts) and the calls the keys settings page makes. */

export type { KeyLimits, KeyUsage };
export type KeyInfo = ApiKeyInfo;
export type KeyPatch = UpdateApiKeyBody;

export function keyCalls(api: ApiClient) {
  return {
    update: (id: string, body: KeyPatch) => api.keys.update(id, body),
    usage: (id: string, signal?: AbortSignal) => api.keys.usage(id, signal),
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
