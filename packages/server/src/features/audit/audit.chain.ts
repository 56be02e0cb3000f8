import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AUDIT_GENESIS_HASH, type AuditCheckpoint, type AuditEntry, type AuditVerifyReason } from '@autopilot/contracts';

/** RFC 8785 canonical JSON (the `canonicalize` package). */
export const canonicalJson = (v: unknown): string => {
  const s = canonicalize(v);
  if (s === undefined) throw new Error('not JSON-serialisable');
  return s;
};

/** The hash of an entry: SHA-256 hex of the canonical JSON of its fields other than `hash` (contracts/audit.ts). */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const body = { workspaceId: e.workspaceId, seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, before: e.before ?? null, after: e.after ?? null, requestId: e.requestId, prevHash: e.prevHash };
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The ed25519 key of checkpoints, from a 32-byte seed (derived from the master key with HKDF). */
export function signingKeyFromSeed(seed: Buffer): { privateKey: KeyObject; publicKeyB64: string } {
  // PKCS#8 DER of an ed25519 private key = this fixed prefix + the 32-byte seed.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKeyB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return { privateKey, publicKeyB64 };
}

const checkpointMessage = (c: Pick<AuditCheckpoint, 'workspaceId' | 'size' | 'headHash' | 'at'>) =>
  Buffer.from(canonicalJson({ workspaceId: c.workspaceId, size: c.size, headHash: c.headHash, at: c.at }));

export const signCheckpoint = (c: Pick<AuditCheckpoint, 'workspaceId' | 'size' | 'headHash' | 'at'>, key: KeyObject): string =>
  sign(null, checkpointMessage(c), key).toString('base64');

/** Whether `c.signature` is a valid ed25519 signature by `c.publicKey` (or by `trustedKey` when given). */
export function checkpointSignatureOk(c: AuditCheckpoint, trustedKeyB64?: string): boolean {
  try {
    if (trustedKeyB64 && trustedKeyB64 !== c.publicKey) return false;
    const pub = createPublicKey({ key: Buffer.from(c.publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, checkpointMessage(c), pub, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface VerifyFailure {
  firstBadSeq: number | null;
  reason: AuditVerifyReason;
  message: string;
}

/**
 * Checks a run of entries starting at `firstSeq` linked to `firstPrevHash`: each entry's seq, prevHash and hash. Feed
 * entries in seq order; `failure` is the first problem. Shared by the server (GET /api/audit/verify) and the CLI.
 */
export function chainChecker(firstSeq: number, firstPrevHash: string = AUDIT_GENESIS_HASH) {
  let expectSeq = firstSeq;
  let prev = firstPrevHash;
  let failure: VerifyFailure | null = null;
  let checked = 0;
  const hashes = new Map<number, string>();
  return {
    add(e: AuditEntry): void {
      if (failure) return;
      if (e.seq !== expectSeq) failure = { firstBadSeq: expectSeq, reason: 'seq_gap', message: `expected seq ${expectSeq}, found ${e.seq}` };
      else if (e.prevHash !== prev) failure = { firstBadSeq: e.seq, reason: 'prev_hash_mismatch', message: `seq ${e.seq} does not link to seq ${e.seq - 1}` };
      else if (entryHash(e) !== e.hash) failure = { firstBadSeq: e.seq, reason: 'hash_mismatch', message: `seq ${e.seq} was changed after it was written` };
      if (failure) return;
      checked++;
      hashes.set(e.seq, e.hash);
      prev = e.hash;
      expectSeq = e.seq + 1;
    },
    /** Checks a checkpoint against the entries added so far (call after the last add). */
    checkpoint(c: AuditCheckpoint, trustedKeyB64?: string): VerifyFailure | null {
      if (!checkpointSignatureOk(c, trustedKeyB64)) return { firstBadSeq: null, reason: 'bad_signature', message: `the checkpoint at size ${c.size} is not signed by the audit key` };
      if (c.size > expectSeq) return { firstBadSeq: expectSeq, reason: 'checkpoint_beyond_chain', message: `a checkpoint covers ${c.size} entries but the chain has ${expectSeq}: entries were removed` };
      const h = hashes.get(c.size - 1);
      if (h === undefined) return null; // pruned by retention: below the first kept seq
      if (h !== c.headHash) return { firstBadSeq: c.size - 1, reason: 'checkpoint_head_mismatch', message: `seq ${c.size - 1} differs from the checkpoint at size ${c.size}` };
      return null;
    },
    get failure() {
      return failure;
    },
    get checked() {
      return checked;
    },
    get size() {
      return expectSeq;
    },
    get head() {
      return checked > 0 || expectSeq > firstSeq ? prev : null;
    },
  };
}
