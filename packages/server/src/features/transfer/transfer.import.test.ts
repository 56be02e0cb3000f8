import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock';
import { createSecretBox } from '../../platform/crypto';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { AppError } from '../../platform/errors';
import { createLogger } from '../../platform/logger';
import { createTransferService, type TransferService } from './transfer.service';
import { createTransferStore } from './transfer.store';

/*
 * The service on each engine, rows written straight into the tables: keyset pages past one page on a composite
 * key (template tags, activities), the optional history tables, every kind of problem a file can have (named by
 * line, nothing written), dry runs, and hostile lines (a 400, never a crash).
 */
describe.each(testEngines())('transfer service on %s', (engine) => {
  let t: TestDb;
  let service: TransferService;
  const [A, B, C] = [randomUUID(), randomUUID(), randomUUID()];
  const accountId = randomUUID();
  const box = createSecretBox(randomBytes(32));
  const now = new Date().toISOString();

  const collect = async (ws: string, tables?: string[], passphrase?: string) => {
    let text = '';
    for await (const chunk of await service.export(ws, tables, passphrase)) text += chunk;
    return text;
  };
  const problems = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    return ((err as AppError).details?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
  };
  const count = (ws: string, table: 'templates' | 'template_tags' | 'jules_activities') =>
    t.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirstOrThrow().then((r) => Number(r.n));

  beforeAll(async () => {
    t = await createTestDb(engine);
    service = createTransferService({ store: createTransferStore(t.db), secrets: box, clock: systemClock, log: createLogger({ level: 'silent' }), scryptN: 1024 });
    const k = t.db.kysely;
    for (const [id, name] of [[A, 'Alpha'], [B, 'Beta'], [C, 'Gamma']]) await k.insertInto('workspaces').values({ id, name, created_at: now, slug: name.toLowerCase() }).execute();
    // 600 templates with two tags each: past one keyset page (500) on the single and the composite key.
    const templates = Array.from({ length: 600 }, (_, i) => ({
      id: randomUUID(), workspace_id: A, name: `T ${String(i).padStart(3, '0')}`, name_key: `t ${String(i).padStart(3, '0')}`, description: '', prompt: 'do it', title: null, sources: '[]', branch: null,
      require_plan_approval: i % 2, automation_mode: 'AUTO_CREATE_PR', keeper: '{}', tags: '["a","b"]', variables: '[]', version: 1, created_at: now, updated_at: now,
    }));
    for (let i = 0; i < templates.length; i += 100) await k.insertInto('templates').values(templates.slice(i, i + 100)).execute();
    const tags = templates.flatMap((x) => ['a', 'b'].map((tag) => ({ workspace_id: A, tag, template_id: x.id, name_key: x.name_key })));
    for (let i = 0; i < tags.length; i += 200) await k.insertInto('template_tags').values(tags.slice(i, i + 200)).execute();
    await k.insertInto('jules_accounts').values({ id: accountId, workspace_id: A, name: 'team', origin: 'api', api_key_sealed: box.encrypt('jules-secret-key'), key_last4: '-key', base_url: null, created_at: now, last_sync_at: now, last_full_sync_at: null, last_archived_sync_at: 1_700_000_000_000, last_error: null }).execute();
    await k.insertInto('jules_accounts').values({ id: randomUUID(), workspace_id: A, name: 'Simulator', origin: 'simulator', api_key_sealed: box.encrypt(''), key_last4: '', base_url: null, created_at: now, last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null }).execute();
    const sessionId = randomUUID();
    await k.insertInto('jules_sessions').values({
      id: sessionId, workspace_id: A, account_id: accountId, jules_id: 's1', name: 'sessions/s1', title: 'One', prompt: 'p', state: 'COMPLETED', source: null, starting_branch: null, working_branch: null, pr_url: null, url: null,
      require_plan_approval: 0, automation_mode: null, outputs: '[]', raw: '{"id":"s1"}', archived: 0, deleted_at: null, create_time: now, update_time: now, last_activity_at: null, activities_synced_update_time: null, activity_count: 3, mirrored_at: now,
    }).execute();
    await k.insertInto('jules_activities').values(Array.from({ length: 3 }, (_, i) => ({ session_id: sessionId, activity_id: `a${i}`, workspace_id: A, position: i, kind: 'progress', originator: 'agent', create_time: now, raw: '{}' }))).execute();
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it('exports every row in keyset pages, and leaves out the server configuration’s accounts', async () => {
    const text = await collect(A, ['templates', 'template_tags', 'jules_accounts', 'jules_sessions', 'jules_activities']);
    const trailer = JSON.parse(text.trim().split('\n').at(-1)!);
    expect(trailer.rows).toEqual({ templates: 600, template_tags: 1200, jules_accounts: 1, jules_sessions: 1, jules_activities: 3 });
    expect(text).not.toContain('jules-secret-key');
    expect(text).not.toContain('"Simulator"');
  });

  it('imports into another workspace’s twin only when the keys are not taken; a fresh database takes it whole', async () => {
    const text = await collect(A, ['templates', 'template_tags']);
    const issues = await problems(service.import(B, text, { dryRun: true }));
    expect(issues[0]).toMatch(/^line\.2\.row\.id: is the key of a templates row of another workspace/);
  });

  it('names a bad line, an unknown table or column, a broken reference, a taken name and the checksum; writes nothing', async () => {
    const text = await collect(A, ['jules_accounts', 'jules_sessions', 'jules_activities']);
    const lines = text.trim().split('\n');
    // Renumbered so the keys are new to this database (another workspace holds the originals).
    const fresh = lines.map((l) => l.replaceAll(accountId, randomUUID()));
    const bad = [...fresh];
    bad[1] = bad[1].replace('"name":"team"', '"name":7');
    bad[2] = JSON.stringify({ table: 'jules_sessions', row: { ...JSON.parse(bad[2]).row, id: randomUUID(), jules_id: 's2', account_id: randomUUID() } });
    bad[3] = bad[3].replace('"kind":"progress"', '"kind":"progress","extra":1');
    bad.splice(4, 0, '{"table":"api_keys","row":{}}', 'not json');
    const issues = await problems(service.import(C, `${bad.join('\n')}\n`, { dryRun: false }));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line\.2\.row\.name: /),
        expect.stringMatching(/^line\.4\.row: .*extra/),
        'line.5.table: unknown table "api_keys"',
        'line.6: is not JSON',
        expect.stringMatching(/^line\.9\.sha256: does not match/),
      ]),
    );
    expect(await count(C, 'jules_activities')).toBe(0);

    // Well-formed lines whose reference resolves nowhere (checksum recomputed: the rows are the only problem).
    const { createHash } = await import('node:crypto');
    const body = [fresh[0], fresh[2].replace(/"account_id":"[^"]+"/, `"account_id":"${randomUUID()}"`).replace(/"id":"[^"]+"/, `"id":"${randomUUID()}"`)];
    const hash = createHash('sha256');
    for (const l of body) hash.update(`${l}\n`);
    const unresolved = `${body.join('\n')}\n${JSON.stringify({ end: true, rows: { jules_sessions: 1 }, sha256: hash.digest('hex') })}\n`;
    expect(await problems(service.import(C, unresolved, { dryRun: false }))).toEqual([expect.stringMatching(/^line\.2\.row\.account_id: names no jules_accounts row/)]);
  });

  it('counts what a dry run would do, applies once, and a second import changes nothing; sealed secrets open on import', async () => {
    const text = await collect(A, ['jules_accounts', 'jules_sessions', 'jules_activities'], 'pass phrase!');
    // Into a second database-like target: the same rows under fresh keys in workspace C.
    const renamed = text.split(accountId).join(randomUUID());
    const ids = [...new Set(renamed.match(/"id":"[0-9a-f-]{36}"/g) ?? [])];
    let moved = renamed;
    for (const id of ids) moved = moved.split(id.slice(6, -1)).join(randomUUID());
    const lines = moved.trim().split('\n');
    // The session id appears in the activities too: keep it consistent with the session line.
    const sessionLine = JSON.parse(lines.find((l) => l.includes('"table":"jules_sessions"'))!);
    const fixed = lines.map((l) => (l.includes('"table":"jules_activities"') ? JSON.stringify({ ...JSON.parse(l), row: { ...JSON.parse(l).row, session_id: sessionLine.row.id } }) : l));
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256');
    for (const l of fixed.slice(0, -1)) hash.update(`${l}\n`);
    const trailer = { ...JSON.parse(fixed.at(-1)!), sha256: hash.digest('hex') };
    const file = `${[...fixed.slice(0, -1), JSON.stringify(trailer)].join('\n')}\n`;

    expect(await problems(service.import(C, file, { dryRun: false, passphrase: 'wrong phrase' }))).toEqual(["header.x-autopilot-passphrase: wrong passphrase: it does not open this file's secrets"]);
    const dry = await service.import(C, file, { dryRun: true, passphrase: 'pass phrase!' });
    expect(dry.tables).toMatchObject({ jules_accounts: { inserted: 1 }, jules_activities: { inserted: 3 } });
    expect(await count(C, 'jules_activities')).toBe(0);
    const first = await service.import(C, file, { dryRun: false, passphrase: 'pass phrase!' });
    expect(first.tables.jules_activities).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const account = await t.db.kysely.selectFrom('jules_accounts').selectAll().where('workspace_id', '=', C).executeTakeFirstOrThrow();
    expect(box.decrypt(account.api_key_sealed)).toBe('jules-secret-key');
    // Sync marks are this server's: not carried over.
    expect(account.last_sync_at).toBeNull();
    const second = await service.import(C, file, { dryRun: false, passphrase: 'pass phrase!' });
    expect(Object.values(second.tables).every((c) => c.inserted === 0 && c.updated === 0)).toBe(true);
  });

  it('answers any hostile line with a 400 listing problems, never a crash', async () => {
    const header = (await collect(A, ['templates'])).split('\n')[0];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.record({ table: fc.constantFrom('templates', 'channels', '__proto__'), row: fc.dictionary(fc.string(), fc.jsonValue()) }).map((v) => JSON.stringify(v))), { maxLength: 5 }), async (body) => {
        const issues = await problems(service.import(C, [header, ...body].join('\n'), { dryRun: true }));
        expect(issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });
});
