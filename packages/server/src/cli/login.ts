import { Command } from 'commander';
import { connect, fields, printJson, run, say, UsageError, withConnection, type ConnectionOptions } from './common';
import { configPath, DEFAULT_URL, saveProfile } from './profiles';

/** `autopilot login`: checks a key with /api/me, then saves it as a profile (file mode 0600). */
export function loginCommand(): Command {
  return withConnection(
    new Command('login')
      .description('check an API key against a server and save both as a profile (0600 file) for later commands')
      .addHelpText('after', `\nSaves under --profile NAME (default "default") and makes it the current profile. The file is $AUTOPILOT_CONFIG\nor ~/.config/autopilot/config.json. Without --url: $AUTOPILOT_URL, else ${DEFAULT_URL}.`),
  ).action(
    run(async (o: ConnectionOptions) => {
      const name = o.profile ?? 'default';
      // The key and URL given here, not a saved profile's: this command is what saves one.
      const key = o.key ?? process.env.AUTOPILOT_KEY;
      if (!key) throw new UsageError('autopilot login needs --key (or AUTOPILOT_KEY): the API key to check and save');
      const { client, url } = await connect({ url: o.url ?? process.env.AUTOPILOT_URL ?? DEFAULT_URL, key });
      const me = await client.me();
      saveProfile(name, { url, key });
      if (o.json) return printJson(me);
      say(o, fields([['Server', url], ['Workspace', me.workspace.name], ['Key', `${me.key.name} (${me.key.role})`], ['Jules', me.simulated ? 'simulated' : 'real'], ['Saved as', `profile "${name}" in ${configPath()}`]]));
    }),
  );
}

/** `autopilot login-link`: a fresh one-click dashboard log-in link for the key (single use, 10 minutes). */
export function loginLinkCommand(): Command {
  return withConnection(new Command('login-link').description('print a one-click dashboard log-in link for your key (works once, for 10 minutes)')).action(
    run(async (o: ConnectionOptions) => {
      const { client, url } = await connect(o);
      const link = await client.auth.link();
      // The origin this CLI reached, which is the one a browser here can open (the server may sit behind a proxy).
      const result = { ...link, url: `${url}${link.path}` };
      if (o.json) return printJson(result);
      say(o, `${result.url}\n(works once, until ${result.expiresAt.slice(11, 16)} UTC)`);
    }),
  );
}
