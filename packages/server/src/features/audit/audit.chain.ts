import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AUDIT_GENESIS_HASH, AuditEntry, AuditExportHeader, type AuditCheckpoint, type AuditVerifyReason, type AuditVerifyResult } from '@autopilot/contracts';

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
 * entries in seq order; `failure` is the first problem. Only the hashes at `keepAt` seqs are kept (the heads of the
 * checkpoints to check afterwards), so a chain of any length verifies in constant memory.
 */
export function chainChecker(firstSeq: number, firstPrevHash: string = AUDIT_GENESIS_HASH, keepAt: ReadonlySet<number> = new Set()) {
  let expectSeq = firstSeq;
  let prev = firstPrevHash;
  let failure: VerifyFailure | null = null;
  let checked = 0;
  const hashes = new Map<number, string>();
  return {
    add(e: AuditEntry): void {
      if (failure) return;
      if (e.seq !== expectSeq) failure = { firstBadSeq: expectSeq, reason: 'seq_gap', message: `expected seq ${expectSeq}, found ${e.seq}: entries are missing or out of order` };
      else if (e.prevHash !== prev) failure = { firstBadSeq: e.seq, reason: 'prev_hash_mismatch', message: `seq ${e.seq} does not link to seq ${e.seq - 1}: entries were inserted, removed or reordered` };
      else if (entryHash(e) !== e.hash) failure = { firstBadSeq: e.seq, reason: 'hash_mismatch', message: `seq ${e.seq} was changed after it was written` };
      if (failure) return;
      checked++;
      if (keepAt.has(e.seq)) hashes.set(e.seq, e.hash);
      prev = e.hash;
      expectSeq = e.seq + 1;
    },
    /** Checks a checkpoint against the entries added so far (call after the last add). */
    checkpoint(c: AuditCheckpoint, trustedKeyB64?: string): VerifyFailure | null {
      if (!checkpointSignatureOk(c, trustedKeyB64)) return { firstBadSeq: null, reason: 'bad_signature', message: `the checkpoint at size ${c.size} is not signed by the audit key` };
      if (c.size > expectSeq) return { firstBadSeq: expectSeq, reason: 'checkpoint_beyond_chain', message: `a checkpoint covers ${c.size} entries but the chain has ${expectSeq}: entries were removed from its end` };
      if (c.size - 1 < firstSeq) return null; // pruned by retention: below the first kept seq
      const h = hashes.get(c.size - 1);
      if (h !== c.headHash) return { firstBadSeq: c.size - 1, reason: 'checkpoint_head_mismatch', message: `seq ${c.size - 1} differs from the signed checkpoint at size ${c.size}: the chain was rewritten` };
      return null;
    },
    get failure() {
      return failure;
    },
    get checked() {
      return checked;
    },
    /** The next seq: the size of the chain checked so far. */
    get size() {
      return expectSeq;
    },
    /** The hash of the last entry checked (the link hash when none was). */
    get head() {
      return prev;
    },
  };
}

export interface VerifyInput {
  workspaceId: string;
  firstSeq: number;
  firstPrevHash: string;
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>;
  checkpoints: AuditCheckpoint[];
  /** The key checkpoints must be signed by (the server's own; the CLI: the exported checkpoint's, which the user kept). */
  trustedKeyB64?: string;
  /** What the chain's head says (the server's audit_heads row): a chain that ends elsewhere was cut or extended. */
  head?: { size: number; headHash: string } | null;
}

/**
 * The whole verification: the chain from its first kept entry, its end against the recorded head, then every
 * checkpoint (signature and head). Shared by GET /api/audit/verify and `autopilot audit verify`.
 */
export async function verifyChain(v: VerifyInput): Promise<AuditVerifyResult> {
  const keepAt = new Set(v.checkpoints.map((c) => c.size - 1));
  const check = chainChecker(v.firstSeq, v.firstPrevHash, keepAt);
  let foreign: VerifyFailure | null = null;
  for await (const e of v.entries) {
    if (e.workspaceId !== v.workspaceId) {
      foreign = { firstBadSeq: e.seq, reason: 'hash_mismatch', message: `seq ${e.seq} belongs to another workspace` };
      break;
    }
    check.add(e);
    if (check.failure) break;
  }
  let failure = foreign ?? check.failure;
  if (!failure && v.head && (v.head.size !== check.size || (check.size > v.firstSeq && v.head.headHash !== check.head))) {
    failure = { firstBadSeq: Math.min(v.head.size, check.size), reason: 'head_mismatch', message: `the chain ends at size ${check.size} but its head says ${v.head.size}: entries were removed from or added to its end` };
  }
  let checkpointsChecked = 0;
  for (const c of [...v.checkpoints].sort((a, b) => a.size - b.size)) {
    if (failure) break;
    if (c.workspaceId !== v.workspaceId) {
      failure = { firstBadSeq: null, reason: 'bad_signature', message: `the checkpoint at size ${c.size} is for workspace ${c.workspaceId}` };
      break;
    }
    failure = check.checkpoint(c, v.trustedKeyB64);
    if (!failure) checkpointsChecked++;
  }
  const size = check.size;
  return {
    ok: !failure, size, firstSeq: v.firstSeq, headHash: size > v.firstSeq ? check.head : null, checked: check.checked, checkpointsChecked,
    firstBadSeq: failure?.firstBadSeq ?? null, reason: failure?.reason ?? null, message: failure?.message ?? null,
  };
}

/** Reads the NDJSON of GET /api/audit/export (a header line, then one entry per line) into verifyChain's input. */
export function parseExport(text: string): { header: AuditExportHeader; entries: AuditEntry[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('the export is empty (no header line)');
  const header = AuditExportHeader.parse(JSON.parse(lines[0]));
  const entries = lines.slice(1).map((l, i) => {
    try {
      return AuditEntry.parse(JSON.parse(l));
    } catch {
      throw new Error(`line ${i + 2} is not an audit entry`);
    }
  });
  return { header, entries };
}
