import { Command } from 'commander';
import { fail, UsageError } from './common';

/** `autopilot github-sim ...`: the GitHub API simulator; every option (and --help) is the simulator's own. */
export function githubSimCommand(): Command {
  return new Command('github-sim')
    .description('run the GitHub API simulator (its options: autopilot github-sim --help; packages/github-sim/README.md)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[options...]', "the simulator's options")
    .action(async (args: string[]) => {
      const { runGitHubSimCli, GitHubSimUsageError } = await import('@autopilot/github-sim/cli');
      try {
        await runGitHubSimCli(args);
      } catch (err) {
        if (err instanceof GitHubSimUsageError || String((err as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS')) fail(new UsageError(`github-sim: ${(err as Error).message}`));
        fail(err);
      }
    });
}
