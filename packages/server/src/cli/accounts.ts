import { Command } from 'commander';
import { connect, printJson, run, say, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';

/** `autopilot accounts ls|add|remove`: the Jules accounts (API keys) sessions come from. */
export function accountsCommand(): Command {
  const cmd = new Command('accounts').description('Jules accounts (Jules API keys) the sessions come from');

  withConnection(cmd.command('ls').alias('list').description('Jules accounts, with their last sync and error')).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const list = await client.sessions.accounts.list();
      if (o.json) return printJson(list);
      say(o, table(['ID', 'NAME', 'ORIGIN', 'KEY', 'LAST SYNC', 'LAST ERROR'], list.items.map((a) => [a.id, a.name, a.origin, `…${a.keyLast4}`, shortTime(a.lastSyncAt), a.lastError]), { max: [40, 40, 10, 8, 16, 80] }));
    }),
  );

  withConnection(
    cmd
      .command('add')
      .description('add a Jules API key to the workspace (admins and owners)')
      .requiredOption('--name <name>', 'a name for it, e.g. "team key"')
      .option('--jules-key <key>', 'the Jules API key (default: $JULES_API_KEY; prefer the variable: a flag shows in `ps`)')
      .option('--base-url <url>', 'another Jules API (default: the public one)'),
  ).action(
    run(async (o: ConnectionOptions & { name: string; julesKey?: string; baseUrl?: string }) => {
      const apiKey = o.julesKey ?? process.env.JULES_API_KEY;
      if (!apiKey) throw new UsageError('no Jules API key: pass --jules-key or set JULES_API_KEY');
      const { client } = await connect(o);
      const a = await client.sessions.accounts.add({ name: o.name, apiKey, ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}) });
      if (o.json) return printJson(a);
      say(o, `Added Jules account "${a.name}" (${a.id}, key …${a.keyLast4}); its sessions appear after the first sync.`);
    }),
  );

  withConnection(cmd.command('remove').alias('rm').description('remove a Jules account and its mirrored sessions (admins and owners)').argument('<id>', 'account id (from `accounts ls`)')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const a = await client.sessions.accounts.remove(id);
      if (o.json) return printJson(a);
      say(o, `Removed Jules account "${a.name}" (${a.id}).`);
    }),
  );
  return cmd;
}
