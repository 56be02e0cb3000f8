import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';

/*
 * Secrets in an export file sealed with a passphrase: a key from scrypt (random 16-byte salt, N=2^15, r=8, p=1;
 * the parameters travel in the header), AES-256-GCM per value with a fresh IV, the table and column as associated
 * data (a value moved to another column does not open). A known check value in the header tells a wrong
 * passphrase before any row is read.
 */

export interface KdfParams {
  name: 'scrypt';
  salt: string;
  N: number;
  r: number;
  p: number;
}

const CHECK_TEXT = 'autopilot-export-passphrase-check';
const PREFIX = 'p1';

function scrypt(passphrase: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(passphrase.normalize('NFC'), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export interface PassphraseBox {
  kdf: KdfParams;
  /** The check value for the header. */
  check: string;
  seal(plain: string, aad: string): string;
  /** Throws when the value was not sealed with this key (and this aad). */
  open(sealed: string, aad: string): string;
}

function boxFromKey(key: Buffer, kdf: KdfParams, check?: string): PassphraseBox {
  const seal = (plain: string, aad: string) => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `${PREFIX}:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  };
  const open = (sealed: string, aad: string) => {
    const [v, iv, tag, ct] = sealed.split(':');
    if (v !== PREFIX || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
  };
  return { kdf, check: check ?? seal(CHECK_TEXT, 'check'), seal, open };
}

/** A new box for an export: a fresh salt. */
export async function newPassphraseBox(passphrase: string, params: { N?: number } = {}): Promise<PassphraseBox> {
  const kdf: KdfParams = { name: 'scrypt', salt: randomBytes(16).toString('base64'), N: params.N ?? 2 ** 15, r: 8, p: 1 };
  return boxFromKey(await scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r }), kdf);
}

/** The box of an import: the header's parameters; null when the passphrase does not open the header's check value. */
export async function openPassphraseBox(passphrase: string, kdf: KdfParams, check: string): Promise<PassphraseBox | null> {
  // Bounded so a hostile header cannot ask for gigabytes of memory or minutes of CPU.
  if (kdf.name !== 'scrypt' || !Number.isInteger(Math.log2(kdf.N)) || kdf.N < 2 ** 10 || kdf.N > 2 ** 17 || kdf.r < 1 || kdf.r > 16 || kdf.p < 1 || kdf.p > 4) return null;
  const key = await scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r });
  const box = boxFromKey(key, kdf, check);
  try {
    return box.open(check, 'check') === CHECK_TEXT ? box : null;
  } catch {
    return null;
  }
}
