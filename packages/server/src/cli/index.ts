import { Command, CommanderError } from 'commander';
import { VERSION } from '../platform/version';
import { serveCommand } from './serve';
import { simCommand } from './sim';
import { githubSimCommand } from './github-sim';
import { sessionsCommand } from './sessions';
import { keysCommand } from './keys';
import { accountsCommand } from './accounts';
import { keeperCommand } from './keeper';
import { costsCommand } from './costs';
import { loginCommand, loginLinkCommand } from './login';
import { batchCommand, batchesCommand } from './batch';
import { templatesCommand } from './templates';
import { dispatchCommand } from './dispatch';
import { ciCommand, githubCommand, prsCommand } from './github';
import { hooksCommand } from './hooks';
import { notificationsCommand } from './notifications';
import { channelsCommand } from './channels';
import { exportCommand, importCommand } from './transfer';
import { auditCommand } from './audit';
import { mcpCommand } from './mcp';
import { fail } from './common';

/*
 * The `autopilot` command line. Each command group is one file; every action loads what it needs (the server,
 * the API client) only when it runs, so `--help` of any command starts nothing: no config read, no database, no
 * port. Exit codes: 0 ok, 1 an API or runtime error, 2 a usage error.
 */

const ENV_HELP = `
Connection (every command but serve and sim): --url/--key, else AUTOPILOT_URL/AUTOPILOT_KEY, else the profile
saved by \`autopilot login\` ($AUTOPILOT_CONFIG or ~/.config/autopilot/config.json; pick one with --profile or
AUTOPILOT_PROFILE). --json prints the API's JSON on stdout and nothing else there. NO_COLOR turns colour off.

Examples:
  autopilot serve                                  start the server (banner with URL, log-in link, first key)
  autopilot login --url http://127.0.0.1:8080 --key ap_...
  autopilot sessions ls --state AWAITING_PLAN_APPROVAL
  autopilot sessions new "Add a CHANGELOG entry" --repo acme/api --branch main
  autopilot sessions watch
  autopilot batch tasks.md --repo acme/api --branch main --dry-run
  autopilot templates launch "Fix an issue" --repo acme/api --var issue=42 --wait
  autopilot dispatch                               each Jules account's quota, queue and forecast
  autopilot hooks create "Linear issues" --preset linear --secret lin_wh_...
  autopilot notifications --unread
  autopilot channels add ops --kind webhook --target https://ops.example.com/autopilot
  autopilot audit verify --checkpoint ./audit-checkpoints   the chain recomputed here, against checkpoints kept elsewhere`;

/** The program with every command; `exitOverride` everywhere so `main` decides the exit codes. */
export function buildProgram(): Command {
  const program = new Command('autopilot')
    .description('Jules Autopilot: a self-hosted command center for Google\'s Jules coding agent')
    .version(VERSION, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ENV_HELP);
  for (const c of [serveCommand(), simCommand(), githubSimCommand(), sessionsCommand(), keysCommand(), accountsCommand(), keeperCommand(), costsCommand(), batchCommand(), batchesCommand(), templatesCommand(), dispatchCommand(), prsCommand(), ciCommand(), githubCommand(), hooksCommand(), notificationsCommand(), channelsCommand(), exportCommand(), importCommand(), auditCommand(), loginCommand(), loginLinkCommand(), mcpCommand()]) program.addCommand(c);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  // A group called without a subcommand shows its help on stderr (exit 2: it did nothing).
  for (const c of all(program)) c.exitOverride();
  return program;
}

/** Runs the command line: exit 0 after help and --version, 2 for usage errors (commander's own included). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    // An option parser's UsageError (e.g. --repo "not a repo") lands here: exit 2 like commander's own.
    fail(err);
  }
}
