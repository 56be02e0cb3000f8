import { Command } from 'commander';
import { connect, fields, printJson, run, say, shortTime, table, withConnection, type ConnectionOptions } from './common';

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** `autopilot keeper status`: is the keeper on, its main limits, its loops, and the latest notifications. */
export function keeperCommand(): Command {
  const cmd = new Command('keeper').description('the keeper: what it does on its own, and what it asks a person');

  withConnection(
    cmd.command('status').description("the keeper's settings, its loops and the latest notifications").option('--notifications <n>', 'how many notifications to show', (v) => Math.max(1, Math.min(100, Number(v) || 10)), 10),
  ).action(
    run(async (o: ConnectionOptions & { notifications: number }) => {
      const { client } = await connect(o);
      const [me, settings, health, notes] = await Promise.all([client.me(), client.keeper.settings(), client.health(), client.keeper.notifications({ limit: o.notifications })]);
      // The workspace's own loop (`keeper:<workspace id>`), not other workspaces'.
      const loops = health.loops.filter((l) => l.name === `keeper:${me.workspace.id}`);
      if (o.json) return printJson({ settings, loops, notifications: notes.items });
      const s = settings;
      say(
        o,
        fields([
          ['Keeper', s.enabled ? 'on' : 'off'],
          ['Plan approval', `${s.approval.policy}${s.approval.policy === 'rules' ? ` (hold over ${s.approval.maxSteps} steps or on ${s.approval.holdWords.length} hold words)` : ''}`],
          ['Answers', s.answers.enabled ? `on, at most ${s.answers.maxPerSession} per session` : 'off'],
          ['Nudges', s.stall.enabled ? `on, at most ${s.stall.maxNudges} per session, ${minutes(s.stall.cooldownMs)} apart` : 'off'],
          ['Stuck after', s.stuck.enabled ? `${minutes(s.stuck.quietMs)} quiet` : 'off'],
          ['Self-heal', s.selfHeal.enabled ? `on, ${s.selfHeal.maxAttempts} attempt(s)` : 'off'],
          ['Auto-continue', s.autoContinue.enabled ? `on, ${s.autoContinue.maxPerSession} per session` : 'off'],
        ]),
      );
      say(o, '\nLoops:');
      say(o, table(['NAME', 'RUNNING', 'TICKS', 'LAST RUN', 'LAST ERROR'], loops.map((l) => [l.name, l.running ? 'yes' : 'no', l.ticks, shortTime(l.lastRunAt), l.lastError]), { max: [60, 7, 8, 16, 80] }));
      say(o, '\nLatest notifications:');
      say(o, table(['TIME', 'KIND', 'SESSION', 'TITLE'], notes.items.map((n) => [shortTime(n.createdAt), n.kind, n.sessionId, n.title]), { max: [16, 20, 40, 80] }));
    }),
  );
  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    withConnection(
      cmd
        .command(name)
        .description(paused ? 'stop the keeper acting on one session' : 'let the keeper act on one session again')
        .argument('<session-id>', 'session id'),
    ).action(
      run(async (id: string, o: ConnectionOptions) => {
        const { client } = await connect(o);
        const state = await client.keeper.setSessionPaused(id, paused);
        if (o.json) return printJson(state);
        say(o, `keeper ${state.paused ? 'paused' : 'active'} for session ${state.sessionId}${state.title ? `  ${state.title}` : ''}`);
      }),
    );
  }
  return cmd;
}
