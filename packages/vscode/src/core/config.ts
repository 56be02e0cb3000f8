import { createClient, type ApiClient, type FetchLike } from '@autopilot/client';

/** The extension's settings, as read from VS Code's configuration (the thin layer reads them). */
export interface ExtensionSettings {
  serverUrl: string;
  notifications: boolean;
}

export const SETTING_PREFIX = 'julesAutopilot';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

/**
 * Checks the server URL setting: http(s), no credentials, no query or fragment; returns the origin (with a path
 * prefix if any, no trailing slash). The error names the setting.
 */
export function parseServerUrl(raw: string | undefined): string {
  const value = (raw ?? '').trim() || DEFAULT_SERVER_URL;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${SETTING_PREFIX}.serverUrl is not a URL: put the orchestrator's address, e.g. ${DEFAULT_SERVER_URL}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${SETTING_PREFIX}.serverUrl must be http:// or https://`);
  if (u.username || u.password) throw new Error(`${SETTING_PREFIX}.serverUrl must not hold credentials: the API key goes in "Jules Autopilot: Set API Key"`);
  if (u.search || u.hash) throw new Error(`${SETTING_PREFIX}.serverUrl must not have a query or fragment`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** The API client of the extension: the key is read on every request, so a new key needs no new client. */
export function apiFor(serverUrl: string, apiKey: () => string | undefined, fetch?: FetchLike): ApiClient {
  return createClient({ baseUrl: parseServerUrl(serverUrl), apiKey, ...(fetch ? { fetch } : {}) });
}
