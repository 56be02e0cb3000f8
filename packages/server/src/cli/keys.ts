import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, printJson, run, say, shortTime, table, withConnection, type ConnectionOptions } from './common';

/** `30d`, `12h`, `90m`, a date or an ISO time, as the ISO time the API takes. */
function expiry(v: string): string {
  const d = /^(\d+)([dhm])$/.exec(v.trim());
  if (d) return new Date(Date.now() + Number(d[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[d[2] as 'd' | 'h' | 'm']).toISOString();
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new InvalidArgumentError('use a date (2027-01-31), an ISO time or a duration such as 30d or 12h.');
  return new Date(t).toISOString();
}

/** `autopilot keys ls|create|revoke`: the workspace's API keys (the secret only ever in create's answer). */
export function keysCommand(): Command {
  const cmd = new Command('keys').description("the workspace's API keys");

  withConnection(cmd.command('ls').alias('list').description('API keys of the workspace (never the keys themselves)')).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const list = await client.keys.list();
      if (o.json) return printJson(list);
      say(o, table(['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'], list.items.map((k) => [k.id, k.name, k.role, k.prefix, shortTime(k.createdAt), shortTime(k.lastUsedAt), k.expiresAt ? shortTime(k.expiresAt) : 'never', shortTime(k.revokedAt)])));
    }),
  );

  withConnection(
    cmd
      .command('create')
      .description('mint an API key (printed once: store it now)')
      .requiredOption('--name <name>', 'what the key is for, e.g. ci-bot')
      .addOption(new Option('--role <role>', 'what it may do (owner and admin keys by owners only)').choices(['owner', 'admin', 'member', 'viewer']).default('member'))
      .option('--expires <when>', 'when it stops working: a date (2027-01-31), an ISO time, or a duration (30d, 12h); default never', expiry),
  ).action(
    run(async (o: ConnectionOptions & { name: string; role: 'owner' | 'admin' | 'member' | 'viewer'; expires?: string }) => {
      const { client } = await connect(o);
      const k = await client.keys.create({ name: o.name, role: o.role, ...(o.expires ? { expiresAt: o.expires } : {}) });
      if (o.json) return printJson(k);
      say(o, `Created ${k.role} key "${k.name}" (${k.id})${k.expiresAt ? `, valid until ${shortTime(k.expiresAt)} UTC` : ''}. It is shown once, store it now:\n${k.key}`);
    }),
  );

  withConnection(cmd.command('revoke').description('revoke an API key and its log-in sessions').argument('<id>', 'key id (from `keys ls`)')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const k = await client.keys.revoke(id);
      if (o.json) return printJson(k);
      say(o, `Revoked key "${k.name}" (${k.id}).`);
    }),
  );
  return cmd;
}
