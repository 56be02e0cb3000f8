import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpoint, AuditPage, AuditVerifyResult, type AuditEntry } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';
import { engineEnv, orchestratorEngines } from '../../../test/orchestrator-engines';
import { cli, tmp } from '../../../test/cli-support';
import { createAuditTriggers, dropAuditTriggers } from '../../platform/db/migrations/2026120362_audit';
import { runAs } from '../../platform/actor';
import { checkpointSignatureOk, entryHash } from './audit.chain';
import { createAuditStore } from './audit.store';

/*
 * The audit trail on a real orchestrator, on SQLite and PostgreSQL (issue #16, "Done when": editing, deleting,
 * inserting, reordering, truncating the tail and rewriting the whole chain are each detected, the last two against
 * an exported checkpoint). Each tampering runs on a workspace of its own, directly in the database with the
 * append-only triggers dropped (as an operator with the database's password could), and is then caught by GET
 * /api/audit/verify or, where the database alone cannot tell, by `autopilot audit verify --checkpoint FILE` with the
 * checkpoint file the server exported to AUDIT_CHECKPOINT_DIR.
 */

for (const engine of orchestratorEngines()) {
  describe(`audit trail (${engine})`, () => {
    let t: TestOrchestrator;
    let cleanup: () => Promise<void>;
    let dir: string;
    let db: TestOrchestrator['orch']['db'];
    let k: TestOrchestrator['orch']['db']['kysely'];

    beforeAll(async () => {
      const e = await engineEnv(engine);
      cleanup = e.cleanup;
      dir = tmp('audit-checkpoints-');
      t = await startTestOrchestrator({ ...e.env, AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_EVERY: '1000' }, { listen: true });
      db = t.orch.db;
      k = db.kysely;
    });
    afterAll(async () => {
      await t?.close();
      await cleanup?.();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const ok = async (res: Response | Promise<Response>, status = 200) => {
      const r = await res;
      const text = await r.text();
      expect(r.status, text).toBe(status);
      return text ? (JSON.parse(text) as unknown) : null;
    };

    /** A new workspace whose chain holds `n` template creations, then a signed checkpoint (itself an entry). */
    async function chain(name: string, n = 5) {
      const ws = await t.newWorkspace(name);
      for (let i = 0; i < n; i++) await ok(t.request('/api/templates', { method: 'POST', key: ws.key, json: { name: `${name} ${i}`, prompt: `Step ${i}` } }), 201);
      const checkpoint = AuditCheckpoint.parse(await ok(t.request('/api/audit/checkpoints', { method: 'POST', key: ws.key }), 201));
      const file = path.join(dir, fs.readdirSync(dir).find((f) => f.includes(ws.id) && f.includes(String(checkpoint.size).padStart(12, '0')))!);
      return { ...ws, checkpoint, file };
    }
    const verify = async (key: string) => AuditVerifyResult.parse(await ok(t.request('/api/audit/verify', { key })));
    const rows = (ws: string) => k.selectFrom('audit_entries').selectAll().where('workspace_id', '=', ws).orderBy('seq').execute();

    /** Runs `fn` with the append-only triggers dropped, as someone with the database's password could. */
    async function tamper(fn: () => Promise<unknown>) {
      await dropAuditTriggers(k);
      try {
        await fn();
      } finally {
        await createAuditTriggers(k);
      }
    }

    /** Recomputes the hashes of `ws`'s chain from `fromSeq` on (a forger's rewrite) and moves the head to match. */
    async function rehash(ws: string, fromSeq: number) {
      const store = createAuditStore(db);
      const all: AuditEntry[] = [];
      for await (const e of store.entries(ws)) all.push(e);
      let prev = all[fromSeq - 1]?.hash ?? '0'.repeat(64);
      for (const e of all.slice(fromSeq)) {
        const body = { ...e, prevHash: prev };
        const hash = entryHash(body);
        await k.updateTable('audit_entries').set({ prev_hash: prev, hash }).where('workspace_id', '=', ws).where('seq', '=', e.seq).execute();
        prev = hash;
      }
      await k.updateTable('audit_heads').set({ size: all.length, head_hash: prev }).where('workspace_id', '=', ws).execute();
    }

    const verifyCli = (key: string, args: string[]) => cli(['audit', 'verify', ...args], { env: { AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: key } });

    it('records every change with actor, action, target, summary and request id; secrets are redacted; filters and keyset pages work', async () => {
      const ws = await t.newWorkspace('recorded');
      const tpl = (await ok(t.request('/api/templates', { method: 'POST', key: ws.key, json: { name: 'Nightly', prompt: 'Tidy up' } }), 201)) as { id: string; version: number };
      await ok(t.request(`/api/templates/${tpl.id}`, { method: 'PUT', key: ws.key, json: { name: 'Nightly', prompt: 'Tidy up more', version: tpl.version } }));
      const minted = (await ok(t.request('/api/keys', { method: 'POST', key: ws.key, json: { name: 'ci', role: 'member' } }), 201)) as { key: string; id: string };
      const invite = (await ok(t.request(`/api/workspaces/${ws.id}/invites`, { method: 'POST', key: ws.key, json: { email: 'ada@example.com' } }), 201)) as { link: string };
      expect(invite.link).toMatch(/\/invite\/[A-Za-z0-9_-]{16,}/);
      await ok(t.request('/api/templates', { method: 'GET', key: ws.key })); // a read: not recorded
      await ok(t.request('/api/templates', { method: 'POST', key: ws.key, json: { name: '' } }), 400); // refused: nothing changed, not recorded

      const page = AuditPage.parse(await ok(t.request('/api/audit?order=oldest', { key: ws.key })));
      expect(page.items.map((e) => e.action)).toEqual(['templatesCreate', 'templatesUpdate', 'workspacesCreateKey', 'workspacesCreateInvite']);
      const [created, updated, key] = page.items;
      expect(created.actor.kind).toBe('key');
      expect(created.target).toEqual({ kind: 'templates', id: tpl.id });
      expect(created.after).toMatchObject({ name: 'Nightly', prompt: 'Tidy up' });
      expect(created.requestId).toMatch(/\S/);
      expect(updated.target).toEqual({ kind: 'templates', id: tpl.id });
      // Before and after of a change: what the trail last recorded of the target, and the state the answer shows.
      expect(created.before).toBeNull();
      expect(updated.before).toMatchObject({ id: tpl.id, prompt: 'Tidy up' });
      expect(updated.after).toMatchObject({ id: tpl.id, prompt: 'Tidy up more' });
      expect(key.target).toEqual({ kind: 'keys', id: minted.id });
      // The minted secret and the invitation's token are in the answers, never in the trail.
      const trail = JSON.stringify(await rows(ws.id));
      expect(trail).not.toContain(minted.key);
      expect(trail).not.toContain(invite.link.split('/invite/')[1]);
      expect(trail).toContain('ada@example.com');
      // The recorded chain is linked from the genesis hash.
      expect(page.items[0].prevHash).toBe('0'.repeat(64));
      expect(page.items[1].prevHash).toBe(page.items[0].hash);

      const byAction = AuditPage.parse(await ok(t.request('/api/audit?action=templatesUpdate', { key: ws.key })));
      expect(byAction.items.map((e) => e.seq)).toEqual([1]);
      const byTarget = AuditPage.parse(await ok(t.request(`/api/audit?target=templates:${tpl.id}`, { key: ws.key })));
      expect(byTarget.items.map((e) => e.seq)).toEqual([1, 0]);
      const byActor = AuditPage.parse(await ok(t.request('/api/audit?actor=keeper', { key: ws.key })));
      expect(byActor.items).toEqual([]);
      const future = AuditPage.parse(await ok(t.request(`/api/audit?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, { key: ws.key })));
      expect(future.items).toEqual([]);
      const first = AuditPage.parse(await ok(t.request('/api/audit?limit=2', { key: ws.key })));
      expect(first.items.map((e) => e.seq)).toEqual([3, 2]);
      const second = AuditPage.parse(await ok(t.request(`/api/audit?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`, { key: ws.key })));
      expect(second.items.map((e) => e.seq)).toEqual([1, 0]);
      expect(second.nextCursor).toBeNull();

      // Workspaces never see each other's trail; members (not admins) are refused with the contract's reason.
      const other = AuditPage.parse(await ok(t.request('/api/audit', { key: (await t.newWorkspace('other')).key })));
      expect(other.items).toEqual([]);
      const refused = await t.request('/api/audit', { key: minted.key });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Only admins and owners');
    });

    it('a public request that names nobody writes nothing into any trail (no account, no entry)', async () => {
      const before = AuditPage.parse(await ok(t.request('/api/audit?limit=500'))).items.length;
      for (let i = 0; i < 3; i++) {
        const r = await t.request('/api/auth/password-reset', { method: 'POST', key: null, json: { email: `nobody${i}@example.com` } });
        expect(r.status).toBeLessThan(300);
      }
      expect(AuditPage.parse(await ok(t.request('/api/audit?limit=500'))).items.length).toBe(before);
    });

    it('records automated changes with their actor (the keeper, a schedule) where they are published', async () => {
      const ws = await t.newWorkspace('automated');
      const action = { id: 'k1', sessionId: 's1', kind: 'approve', trigger: 'plan:p1', status: 'sent', reason: 'plan had no risky step' };
      const run = { scheduleId: 'sch_1', name: 'Nightly', runId: 'r1', outcome: 'skipped', reason: 'nothing to do', batchId: null };
      await runAs({ kind: 'keeper', id: 'keeper', name: 'keeper' }, () => t.orch.bus.publish('keeper.action', ws.id, action as never));
      await runAs({ kind: 'schedule', id: 'sch_1', name: 'Nightly' }, () => t.orch.bus.publish('schedule.run', ws.id, run as never));
      // An event with no automated actor is not an entry: a change made in a request is the request's own entry.
      await t.orch.bus.publish('keeper.action', ws.id, { ...action, id: 'k2' } as never);
      const page = AuditPage.parse(await ok(t.request('/api/audit?order=oldest', { key: ws.key })));
      expect(page.items.map((e) => [e.actor.kind, e.actor.id, e.action, e.target])).toEqual([
        ['keeper', 'keeper', 'keeper.action', { kind: 'sessions', id: 's1' }],
        ['schedule', 'sch_1', 'schedule.run', { kind: 'schedules', id: 'sch_1' }],
      ]);
      expect(page.items[0].after).toMatchObject({ kind: 'approve', reason: 'plan had no risky step' });
      expect(AuditPage.parse(await ok(t.request('/api/audit?actor=schedule:sch_1', { key: ws.key }))).items).toHaveLength(1);
    });

    it('the database refuses UPDATE and DELETE of an entry (and TRUNCATE on PostgreSQL)', async () => {
      const c = await chain('guarded', 2);
      await expect(k.updateTable('audit_entries').set({ action: 'nothingHappened' }).where('workspace_id', '=', c.id).where('seq', '=', 0).execute()).rejects.toThrow(/append-only/);
      await expect(k.deleteFrom('audit_entries').where('workspace_id', '=', c.id).where('seq', '=', 2).execute()).rejects.toThrow(/append-only/);
      if (engine === 'postgres') await expect(sql`truncate audit_entries`.execute(k)).rejects.toThrow(/append-only/);
      expect(await rows(c.id)).toHaveLength(3);
      expect((await verify(c.key)).ok).toBe(true);
    });

    it('a clean chain verifies on the server and with the CLI, with its exported checkpoint signed by the audit key', async () => {
      const c = await chain('clean');
      const v = await verify(c.key);
      expect(v).toMatchObject({ ok: true, size: 6, firstSeq: 0, checked: 6, checkpointsChecked: 1, firstBadSeq: null, reason: null });
      const exported = AuditCheckpoint.parse(JSON.parse(fs.readFileSync(c.file, 'utf8')));
      expect(exported).toEqual(c.checkpoint);
      expect(checkpointSignatureOk(exported)).toBe(true);
      expect(checkpointSignatureOk({ ...exported, size: exported.size + 1 })).toBe(false);
      const r = await verifyCli(c.key, ['--checkpoint', c.file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^OK: 6 entries .* 1 checkpoint\(s\) from your files match/);
    });

    it('detects an edited entry (its hash no longer matches)', async () => {
      const c = await chain('edited');
      await tamper(() => k.updateTable('audit_entries').set({ after_json: JSON.stringify({ name: 'forged' }) }).where('workspace_id', '=', c.id).where('seq', '=', 2).execute());
      expect(await verify(c.key)).toMatchObject({ ok: false, firstBadSeq: 2, reason: 'hash_mismatch' });
      const r = await verifyCli(c.key, ['--checkpoint', c.file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does NOT verify at seq 2: an entry was changed after it was written');
    });

    it('detects a deleted entry', async () => {
      const c = await chain('deleted');
      await tamper(() => k.deleteFrom('audit_entries').where('workspace_id', '=', c.id).where('seq', '=', 1).execute());
      expect(await verify(c.key)).toMatchObject({ ok: false, firstBadSeq: 1, reason: 'seq_gap' });
    });

    it('detects an inserted entry, even one whose own hash is right', async () => {
      const c = await chain('inserted');
      await tamper(async () => {
        const all = await rows(c.id);
        // Make room at seq 2 (highest first: the primary key), then insert a well-formed forgery linked to seq 1.
        for (const r of [...all].reverse().filter((r) => r.seq >= 2)) await k.updateTable('audit_entries').set({ seq: r.seq + 1 }).where('workspace_id', '=', c.id).where('seq', '=', r.seq).execute();
        const body = { workspaceId: c.id, seq: 2, at: all[2].at, actor: { kind: 'key' as const, id: all[2].actor_id, name: all[2].actor_name }, action: 'templatesDelete', target: null, before: null, after: null, requestId: null, prevHash: all[1].hash };
        await k.insertInto('audit_entries').values({ workspace_id: c.id, seq: 2, at: body.at, actor_kind: 'key', actor_id: body.actor.id, actor_name: body.actor.name, action: body.action, target_kind: null, target_id: null, before_json: null, after_json: null, request_id: null, prev_hash: body.prevHash, hash: entryHash(body) }).execute();
      });
      const v = await verify(c.key);
      expect(v.ok).toBe(false);
      // The forgery links and hashes right; the entry it pushed down no longer hashes at its new seq.
      expect(v.firstBadSeq).toBe(3);
      expect(v.reason).toBe('prev_hash_mismatch');
    });

    it('detects reordered entries', async () => {
      const c = await chain('reordered');
      await tamper(async () => {
        const swap = (from: number, to: number) => k.updateTable('audit_entries').set({ seq: to }).where('workspace_id', '=', c.id).where('seq', '=', from).execute();
        await swap(3, 1000);
        await swap(2, 3);
        await swap(1000, 2);
      });
      expect(await verify(c.key)).toMatchObject({ ok: false, firstBadSeq: 2, reason: 'prev_hash_mismatch' });
    });

    it('detects a truncated tail: by the stored checkpoint, and by the exported one when the database was cleaned up too', async () => {
      const c = await chain('truncated');
      // Cut the last two entries: the head row still says 6.
      await tamper(() => k.deleteFrom('audit_entries').where('workspace_id', '=', c.id).where('seq', '>=', 4).execute());
      expect(await verify(c.key)).toMatchObject({ ok: false, firstBadSeq: 4, reason: 'head_mismatch' });
      // Make the head agree.
      await tamper(async () => {
        const last = (await rows(c.id)).at(-1)!;
        await k.updateTable('audit_heads').set({ size: 4, head_hash: last.hash }).where('workspace_id', '=', c.id).execute();
      });
      expect(await verify(c.key)).toMatchObject({ ok: false, firstBadSeq: 4, reason: 'checkpoint_beyond_chain' });
      // Now also remove the stored checkpoint: the database alone agrees with itself…
      await k.deleteFrom('audit_checkpoints').where('workspace_id', '=', c.id).execute();
      expect((await verify(c.key)).ok).toBe(true);
      // …but the checkpoint exported outside it does not.
      const r = await verifyCli(c.key, ['--checkpoint', c.file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does NOT verify at seq 4: a signed checkpoint covers more entries than the chain has');
      const json = await verifyCli(c.key, ['--checkpoint', c.file, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBadSeq: 4, reason: 'checkpoint_beyond_chain', checkpointSource: 'files' });
    });

    it('detects a chain rewritten as a whole (every hash recomputed) against the exported checkpoint', async () => {
      const c = await chain('rewritten');
      await tamper(async () => {
        await k.updateTable('audit_entries').set({ after_json: JSON.stringify({ name: 'nothing to see' }) }).where('workspace_id', '=', c.id).where('seq', '=', 1).execute();
        await rehash(c.id, 1);
        await k.deleteFrom('audit_checkpoints').where('workspace_id', '=', c.id).execute();
      });
      // Internally consistent: the server, holding only the database, cannot tell.
      expect((await verify(c.key)).ok).toBe(true);
      const r = await verifyCli(c.key, ['--checkpoint', c.file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`does NOT verify at seq ${c.checkpoint.size - 1}: the chain differs from a signed checkpoint`);
      // A forged checkpoint (signed by another key) is refused when the user pins the audit key.
      const forged = { ...c.checkpoint, headHash: (await rows(c.id))[c.checkpoint.size - 1].hash };
      const forgedFile = path.join(tmp('audit-forged-'), 'forged.json');
      fs.writeFileSync(forgedFile, JSON.stringify(forged));
      const pinned = await verifyCli(c.key, ['--checkpoint', forgedFile, '--public-key', c.checkpoint.publicKey]);
      expect(pinned.code).toBe(1);
      expect(pinned.stderr).toContain('a checkpoint is not signed by the audit key');
    });

    it('verifies a saved export offline (no server), and catches an edit in the file', async () => {
      const c = await chain('offline', 3);
      const out = path.join(tmp('audit-export-'), 'chain.ndjson');
      const exp = await cli(['audit', 'export', '-o', out], { env: { AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: c.key } });
      expect(exp.code, exp.stderr).toBe(0);
      const good = await cli(['audit', 'verify', '--export', out, '--checkpoint', c.file]);
      expect(good.code, good.stderr).toBe(0);
      expect(good.stdout).toContain('OK: 4 entries');
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      const e = JSON.parse(lines[2]) as AuditEntry;
      lines[2] = JSON.stringify({ ...e, action: 'nothingHappened' });
      fs.writeFileSync(out, `${lines.join('\n')}\n`);
      const bad = await cli(['audit', 'verify', '--export', out]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('does NOT verify at seq 1');
    });

    it('retention prunes a prefix only, records it, keeps the chain verifiable; a moved anchor is caught', async () => {
      const c = await chain('retained', 4);
      const store = createAuditStore(db);
      const all = await rows(c.id);
      // Everything written so far is "old": prune before now + 1 s.
      const before = new Date(Date.now() + 1000).toISOString();
      const deleted = await store.prune(c.id, before, new Date().toISOString());
      expect(deleted).toBe(all.length - 1); // the newest entry is always kept
      const v = await verify(c.key);
      expect(v).toMatchObject({ ok: true, firstSeq: all.length - 1, size: all.length + 1 });
      const prune = AuditPage.parse(await ok(t.request('/api/audit?action=audit.pruned', { key: c.key }))).items[0];
      expect(prune.after).toMatchObject({ firstSeq: all.length - 1, deleted });
      // The database refuses to delete kept entries, even now.
      await expect(k.deleteFrom('audit_entries').where('workspace_id', '=', c.id).where('seq', '=', all.length).execute()).rejects.toThrow(/append-only/);
      // Moving the anchor by hand (to hide the start of the chain) is caught.
      await k.updateTable('audit_anchors').set({ first_seq: all.length, prev_hash: (await rows(c.id))[0].hash }).where('workspace_id', '=', c.id).execute();
      await k.deleteFrom('audit_entries').where('workspace_id', '=', c.id).where('seq', '<', all.length).execute();
      expect(await verify(c.key)).toMatchObject({ ok: false, reason: 'anchor_mismatch', firstBadSeq: all.length });
    });

    it('concurrent appends (one workspace, many requests at once) give one gapless chain', async () => {
      const ws = await t.newWorkspace('concurrent');
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => t.request('/api/templates', { method: 'POST', key: ws.key, json: { name: `c${i}`, prompt: 'x' } })));
      expect(results.map((r) => r.status)).toEqual(Array(24).fill(201));
      const seqs = (await rows(ws.id)).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(await verify(ws.key)).toMatchObject({ ok: true, size: 24 });
    });

    it('deleting a workspace deletes its chain and records the deletion in the default workspace', async () => {
      const c = await chain('doomed', 1);
      const slug = ((await ok(t.request(`/api/workspaces/${c.id}`, { key: c.key }))) as { slug: string }).slug;
      await ok(t.request(`/api/workspaces/${c.id}?confirm=${encodeURIComponent(slug)}`, { method: 'DELETE', key: c.key }));
      for (const table of ['audit_entries', 'audit_heads', 'audit_checkpoints'] as const) {
        expect((await k.selectFrom(table).select('workspace_id').where('workspace_id', '=', c.id).execute()).length, table).toBe(0);
      }
      const recorded = AuditPage.parse(await ok(t.request(`/api/audit?action=workspacesDelete&target=${c.id}`)));
      expect(recorded.items).toHaveLength(1);
      expect((await verify(ADMIN_KEY)).ok).toBe(true);
    });
  });
}

describe('audit checkpoints by count (sqlite)', () => {
  it('signs and exports a checkpoint every AUDIT_CHECKPOINT_EVERY entries of a workspace', async () => {
    const dir = tmp('audit-every-');
    const t = await startTestOrchestrator({ AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_EVERY: '3' });
    try {
      const ws = await t.newWorkspace('counted');
      for (let i = 0; i < 7; i++) expect((await t.request('/api/templates', { method: 'POST', key: ws.key, json: { name: `n${i}`, prompt: 'x' } })).status).toBe(201);
      const sizes = fs.readdirSync(dir).filter((f) => f.includes(ws.id)).map((f) => AuditCheckpoint.parse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))).size).sort((a, b) => a - b);
      expect(sizes).toEqual([3, 6]);
      expect(AuditVerifyResult.parse(await (await t.request('/api/audit/verify', { key: ws.key })).json())).toMatchObject({ ok: true, size: 7, checkpointsChecked: 2 });
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
