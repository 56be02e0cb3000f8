import { Command, Option } from 'commander';
import { connect, printJson, run, say, shortTime, table, withConnection, type ConnectionOptions } from './common';

/** `autopilot keys ls|create|revoke`: the workspace's API keys (the secret only ever in create's answer). */
export function keysCommand(): Command {
  const cmd = new Command('keys').description("the workspace's API keys");

  withConnection(cmd.command('ls').alias('list').description('API keys of the workspace (never the keys themselves)')).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const list = await client.keys.list();
      if (o.json) return printJson(list);
      say(o, table(['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'], list.items.map((k) => [k.id, k.name, k.role, k.prefix, shortTime(k.createdAt), shortTime(k.lastUsedAt), shortTime(k.revokedAt)])));
    }),
  );

  withConnection(
    cmd
      .command('create')
      .description('mint an API key (printed once: store it now)')
      .requiredOption('--name <name>', 'what the key is for, e.g. ci-bot')
      .addOption(new Option('--role <role>', 'what it may do (owner and admin keys by owners only)').choices(['owner', 'admin', 'member', 'viewer']).default('member')),
  ).action(
    run(async (o: ConnectionOptions & { name: string; role: 'owner' | 'admin' | 'member' | 'viewer' }) => {
      const { client } = await connect(o);
      const k = await client.keys.create({ name: o.name, role: o.role });
      if (o.json) return printJson(k);
      say(o, `Created ${k.role} key "${k.name}" (${k.id}). It is shown once, store it now:\n${k.key}`);
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
