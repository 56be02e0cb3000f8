import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createSecretBox, loadOrCreateMasterKey } from './crypto';

describe('secret box', () => {
  it('round-trips and never stores the plaintext', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.encrypt('sk-very-secret-123');
    expect(sealed).not.toContain('sk-very-secret');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(box.decrypt(sealed)).toBe('sk-very-secret-123');
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('rejects a tampered ciphertext or the wrong key', () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.encrypt('hello');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('jello').toString('base64');
    expect(() => box.decrypt(parts.join(':'))).toThrow();
    expect(() => createSecretBox(randomBytes(32)).decrypt(sealed)).toThrow();
  });

  it('generates the master key once into DATA_DIR with mode 0600', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-'));
    const first = loadOrCreateMasterKey(undefined, dir);
    expect(first.source).toBe('generated');
    expect(fs.statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const second = loadOrCreateMasterKey(undefined, dir);
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
    expect(loadOrCreateMasterKey('b'.repeat(64), dir).key.toString('hex')).toBe('b'.repeat(64));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
