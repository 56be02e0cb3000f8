import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM under the master key. Stored form is `v1:<iv b64>:<tag b64>:<ciphertext b64>`;
 * the version prefix leaves room for key rotation.
 */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

/** Builds a SecretBox from a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('master key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    decrypt(sealed) {
      const [v, iv, tag, ct] = sealed.split(':');
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

/** Parses AUTOPILOT_MASTER_KEY (64 hex chars or base64 of 32 bytes). */
export function parseMasterKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('AUTOPILOT_MASTER_KEY must be 32 bytes');
  return key;
}

/**
 * The master key: from configuration when given, else read from (or generated once into) DATA_DIR/master.key
 * with mode 0600. Several instances sharing PostgreSQL must share AUTOPILOT_MASTER_KEY instead.
 */
export function loadOrCreateMasterKey(configured: string | undefined, dataDir: string): { key: Buffer; source: 'config' | 'file' | 'generated' } {
  if (configured) return { key: parseMasterKey(configured), source: 'config' };
  const file = path.join(dataDir, 'master.key');
  if (fs.existsSync(file)) return { key: parseMasterKey(fs.readFileSync(file, 'utf8').trim()), source: 'file' };
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created it first; then use theirs so both agree.
  try {
    fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err: any) {
    if (err?.code === 'EEXIST') return { key: parseMasterKey(fs.readFileSync(file, 'utf8').trim()), source: 'file' };
    throw err;
  }
  return { key, source: 'generated' };
}

/** SHA-256 hex digest (first-wave API keys were stored this way; see features/workspaces/keys.ts). */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** A random url-safe token of n bytes. */
export const randomToken = (bytes = 24) => randomBytes(bytes).toString('base64url');

/**
 * A 32-byte subkey of the master key for one purpose (HKDF-SHA256, `info` names the purpose), so a key used for
 * one thing (e.g. hashing API keys) never doubles as the secret-box key.
 */
export function deriveSubkey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
}

/** HMAC-SHA256 hex digest of `text` under `key`. */
export const hmacSha256 = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('hex');
