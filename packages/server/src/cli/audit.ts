import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { AuditCheckpoint, AuditEntry, AuditExportHeader, AuditVerifyResult } from '@autopilot/contracts';
import { connect, printJson, run, say, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';

/*
 * `autopilot audit`: the workspace's audit trail. `verify` checks the chain HERE, not on the server: it streams the
 * export (or reads a saved one with --export), recomputes every hash, and checks checkpoints, the ones given with
 * --checkpoint (files kept outside the database: AUDIT_CHECKPOINT_DIR writes them) or else the server's. A chain
 * that was cut at its end or rewritten as a whole verifies against itself; only a checkpoint kept elsewhere tells.
 */

/** One checkpoint per file (as AUDIT_CHECKPOINT_DIR writes them), a JSON array, or GET /api/audit/checkpoints' {items}. */
async function readCheckpoints(files: string[]): Promise<AuditCheckpoint[]> {
  const { AuditCheckpoint: schema } = await import('@autopilot/contracts');
  const out: AuditCheckpoint[] = [];
  for (const f of files) {
    const list = fs.statSync(f, { throwIfNoEntry: false })?.isDirectory() ? fs.readdirSync(f).filter((n) => n.endsWith('.json')).map((n) => path.join(f, n)) : [f];
    for (const file of list) {
      let value: unknown;
      try {
        value = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UsageError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON'}`);
      }
      const items = Array.isArray(value) ? value : value && typeof value === 'object' && Array.isArray((value as { items?: unknown }).items) ? (value as { items: unknown[] }).items : [value];
      for (const [i, c] of items.entries()) {
        const parsed = schema.safeParse(c);
        if (!parsed.success) throw new UsageError(`${file}${items.length > 1 ? ` [${i}]` : ''}: not an audit checkpoint (${parsed.error.issues[0]?.path.join('.') || 'shape'})`);
        out.push(parsed.data);
      }
    }
  }
  return out;
}

/** The export's lines as a header and an entry stream (constant memory: a chain of any length). */
async function openExport(source: NodeJS.ReadableStream, onEntry: (n: number) => void) {
  const { AuditEntry: entrySchema, AuditExportHeader: headerSchema } = await import('@autopilot/contracts');
  const lines = readline.createInterface({ input: source, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the export is empty (no header line)');
  const header: AuditExportHeader = headerSchema.parse(JSON.parse(first.value));
  let n = 0;
  async function* entries(): AsyncGenerator<AuditEntry> {
    for (let r = await lines.next(); !r.done; r = await lines.next()) {
      if (!r.value.trim()) continue;
      n++;
      let e: AuditEntry;
      try {
        e = entrySchema.parse(JSON.parse(r.value));
      } catch {
        throw new Error(`line ${n + 1} of the export is not an audit entry`);
      }
      if (n % 1000 === 0) onEntry(n);
      yield e;
    }
    onEntry(n);
  }
  return { header, entries: entries() };
}

const REASONS: Record<string, string> = {
  hash_mismatch: 'an entry was changed after it was written',
  prev_hash_mismatch: 'entries were inserted, removed or reordered',
  seq_gap: 'entries are missing',
  checkpoint_head_mismatch: 'the chain differs from a signed checkpoint: it was rewritten',
  checkpoint_beyond_chain: 'a signed checkpoint covers more entries than the chain has: its end was cut',
  bad_signature: 'a checkpoint is not signed by the audit key',
  head_mismatch: 'the chain does not end where its head says',
  anchor_mismatch: 'the chain starts later than retention says: its beginning was removed',
};

function verifyCommand(): Command {
  return withConnection(
    new Command('verify')
      .description('recompute the audit chain here and check it against signed checkpoints (exit 1 when it does not verify)')
      .option('--checkpoint <file>', 'a checkpoint file (or a directory of them) kept outside the database; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--export <file>', 'verify a saved `autopilot audit export` file instead of fetching the chain (no server needed)')
      .option('--public-key <base64>', 'require checkpoints signed by this key (default: the key in the checkpoint files you kept)'),
  ).action(
    run(async (o: ConnectionOptions & { checkpoint: string[]; export?: string; publicKey?: string }) => {
      const { verifyChain } = await import('../features/audit/audit.chain');
      const given = await readCheckpoints(o.checkpoint);
      let source: NodeJS.ReadableStream;
      let serverCheckpoints: AuditCheckpoint[] = [];
      if (o.export) {
        if (!fs.existsSync(o.export)) throw new UsageError(`${o.export}: no such file`);
        source = fs.createReadStream(o.export);
      } else {
        const { client } = await connect(o);
        if (given.length === 0) serverCheckpoints = (await client.audit.checkpoints()).items;
        source = Readable.fromWeb((await client.audit.exportStream()) as import('node:stream/web').ReadableStream<Uint8Array>);
      }
      const tty = !!process.stderr.isTTY;
      const { header, entries } = await openExport(source, (n) => tty && process.stderr.write(`\r\u001b[2Kchecked ${n} entries…`));
      const checkpoints = given.length ? given : serverCheckpoints;
      // The files the user kept are trusted as they are; the server's own checkpoints only with the newest one's key.
      const trustedKeyB64 = o.publicKey ?? (given.length ? undefined : serverCheckpoints[0]?.publicKey);
      const result: AuditVerifyResult = await verifyChain({ workspaceId: header.workspaceId, firstSeq: header.firstSeq, firstPrevHash: header.firstPrevHash, entries, checkpoints, trustedKeyB64 });
      if (tty) process.stderr.write('\r\u001b[2K');
      if (result.ok && result.size !== header.size) Object.assign(result, { ok: false, firstBadSeq: Math.min(result.size, header.size), reason: 'head_mismatch', message: `the export holds ${result.size} entries but its header says ${header.size}` });
      if (o.json) printJson({ ...result, workspaceId: header.workspaceId, checkpointSource: given.length ? 'files' : 'server' });
      else if (result.ok) {
        say(o, `OK: ${result.checked} entries (seq ${result.firstSeq}..${result.size - 1}) of workspace ${header.workspaceId} recomputed; ${result.checkpointsChecked} checkpoint(s) ${given.length ? 'from your files' : 'from the server'} match`);
        if (checkpoints.length === 0) say(o, 'note: no checkpoint was checked, so a chain cut at its end or rewritten as a whole would still pass; keep checkpoints outside the database (AUDIT_CHECKPOINT_DIR) and pass them with --checkpoint');
      } else {
        process.stderr.write(`autopilot: the audit chain does NOT verify${result.firstBadSeq === null ? '' : ` at seq ${result.firstBadSeq}`}: ${REASONS[result.reason ?? ''] ?? result.reason} (${result.message})\n`);
      }
      if (!result.ok) process.exit(1);
    }),
  );
}

function listCommand(): Command {
  return withConnection(
    new Command('ls')
      .description('audit entries, newest first')
      .option('--actor <kind[:id]>', 'e.g. keeper, key:key_01J, person:usr_…')
      .option('--action <operationId>', 'e.g. templatesCreate, keeper.plan_approved')
      .option('--target <[kind:]id>', 'a target id')
      .option('--from <iso>', 'at or after this time')
      .option('--to <iso>', 'before this time')
      .option('--limit <n>', 'at most this many (1-500)', '50'),
  ).action(
    run(async (o: ConnectionOptions & { actor?: string; action?: string; target?: string; from?: string; to?: string; limit: string }) => {
      const { client } = await connect(o);
      const page = await client.audit.list({ actor: o.actor, action: o.action, target: o.target, from: o.from, to: o.to, limit: Number(o.limit) });
      if (o.json) return printJson(page);
      say(o, table(['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET'], page.items.map((e) => [e.seq, shortTime(e.at), `${e.actor.kind}:${e.actor.name}`, e.action, e.target ? `${e.target.kind}:${e.target.id}` : '-'])));
    }),
  );
}

function exportCommand(): Command {
  return withConnection(
    new Command('export')
      .description('the chain as NDJSON (for `audit verify --export`), on stdout or --output')
      .option('-o, --output <file>', 'write here instead of stdout'),
  ).action(
    run(async (o: ConnectionOptions & { output?: string }) => {
      const { client } = await connect(o);
      const body = Readable.fromWeb((await client.audit.exportStream()) as import('node:stream/web').ReadableStream<Uint8Array>);
      const sink: NodeJS.WritableStream = o.output ? fs.createWriteStream(o.output) : process.stdout;
      for await (const chunk of body) if (!sink.write(chunk as Uint8Array)) await new Promise<void>((r) => sink.once('drain', () => r()));
      if (o.output) await new Promise<void>((r) => sink.end(() => r()));
    }),
  );
}

function checkpointCommand(): Command {
  return withConnection(
    new Command('checkpoint')
      .description('sign a checkpoint of the chain now and save it to a file you keep elsewhere')
      .option('-o, --output <file>', 'write the checkpoint here (JSON)'),
  ).action(
    run(async (o: ConnectionOptions & { output?: string }) => {
      const { client } = await connect(o);
      const c = await client.audit.checkpoint();
      if (o.output) fs.writeFileSync(o.output, `${JSON.stringify(c, null, 2)}\n`);
      if (o.json) return printJson(c);
      say(o, `checkpoint at size ${c.size}, head ${c.headHash.slice(0, 12)}…${o.output ? `, saved to ${o.output}` : ''}`);
    }),
  );
}

/** `autopilot audit ls|verify|export|checkpoint`. */
export function auditCommand(): Command {
  return new Command('audit').description('the tamper-evident audit trail of this key\'s workspace').addCommand(listCommand()).addCommand(verifyCommand()).addCommand(exportCommand()).addCommand(checkpointCommand());
}
