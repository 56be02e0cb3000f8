import { Command } from 'commander';
import type { Template, TemplatePreview } from '@autopilot/contracts';
import { cell, connect, fields, printJson, run, say, shortSource, shortTime, sourceName, table, withConnection, type ConnectionOptions } from './common';
import { collectVar, followBatch, itemsTable, reportBatch, resolveTemplate } from './batch';

/* `autopilot templates ls|show|preview|launch`: saved session definitions with typed {{variables}}. */

const varText = (t: Template) => t.variables.map((v) => `${v.name}:${v.type}${v.required ? '!' : ''}`).join(' ');

function showTemplate(t: Template): string {
  const lines = [
    fields([
      ['ID', t.id],
      ['Name', t.name],
      ['Description', t.description],
      ['Repositories', t.sources.map(shortSource).join(', ') || 'none (the {{repo}} value, or repoless)'],
      ['Branch', t.branch ?? 'default branch'],
      ['Title', t.title],
      ['Plan approval', t.requirePlanApproval ? 'required' : 'not required'],
      ['Automation', t.automationMode],
      ['Keeper', `${t.keeper.paused ? 'paused' : 'active'}${t.keeper.holdWords.length ? `; hold words: ${t.keeper.holdWords.join(', ')}` : ''}`],
      ['Tags', t.tags.join(', ')],
      ['Version', t.version],
      ['Updated', shortTime(t.updatedAt)],
      ['Prompt', cell(t.prompt, 400)],
    ]),
  ];
  if (t.variables.length) {
    lines.push('\nVariables:');
    lines.push(table(['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION'], t.variables.map((v) => [v.name, v.type === 'enum' ? `enum(${v.values.join('|')})` : v.type, v.required ? 'yes' : 'no', v.default, v.description]), { max: [30, 40, 8, 40, 60] }));
  }
  for (const w of t.warnings) lines.push(`warning: ${w.variable ? `{{${w.variable}}} ` : ''}${w.message}`);
  return lines.join('\n');
}

function showPreview(p: TemplatePreview): string {
  const lines = [
    fields([
      ['Repositories', p.sources.map(shortSource).join(', ') || 'none (repoless)'],
      ['Branch', p.branch ?? 'default branch'],
      ['Title', p.title],
      ['Values', Object.entries(p.values).map(([k, v]) => `${k}=${cell(v, 60)}`).join(' ')],
    ]),
    '\nPrompt:',
    p.prompt,
  ];
  for (const w of p.warnings) lines.push(`warning: ${w.variable ? `{{${w.variable}}} ` : ''}${w.message}`);
  lines.push(p.problems.length ? `\n${p.problems.length} problem(s):\n${p.problems.map((x) => `  ${x.variable ? `{{${x.variable}}} ` : ''}${x.message}`).join('\n')}` : '\nno problems: ready to launch');
  return lines.join('\n');
}

/** `autopilot templates ...`. */
export function templatesCommand(): Command {
  const cmd = new Command('templates').description('templates: reusable session definitions with typed {{variables}}; preview and launch them');

  withConnection(cmd.command('ls').alias('list').description('templates by name').option('--tag <tag>', 'only templates with this tag')).action(
    run(async (o: ConnectionOptions & { tag?: string }) => {
      const { client } = await connect(o);
      const all = await client.templates.all(o.tag ? { tag: o.tag } : {});
      if (o.json) return printJson({ items: all });
      say(o, table(['ID', 'NAME', 'VARIABLES', 'REPOSITORIES', 'TAGS'], all.map((t) => [t.id, t.name, varText(t), t.sources.map(shortSource).join(', '), t.tags.join(', ')]), { max: [40, 40, 50, 50, 30] }));
    }),
  );

  withConnection(cmd.command('show').description('one template (by id or name)').argument('<id>', 'template id or name')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const t = await resolveTemplate(client, id);
      if (o.json) return printJson(t);
      say(o, showTemplate(t));
    }),
  );

  withConnection(
    cmd
      .command('preview')
      .description('render a template with values: prompt, title, repositories, and every problem by variable (exit 1 on problems)')
      .argument('<id>', 'template id or name')
      .option('--var <name=value>', 'a variable value (repeatable)', collectVar),
  ).action(
    run(async (id: string, o: ConnectionOptions & { var?: Record<string, string> }) => {
      const { client } = await connect(o);
      const t = await resolveTemplate(client, id);
      const p = await client.templates.preview(t.id, { values: o.var ?? {} });
      if (o.json) printJson(p);
      else say(o, showPreview(p));
      if (p.problems.length) process.exitCode = 1;
    }),
  );

  withConnection(
    cmd
      .command('launch')
      .description('launch a template: one session per repository, as a batch through the dispatcher')
      .argument('<id>', 'template id or name')
      .option('--repo <repo>', "a repository (repeatable; default: the template's own)", (v: string, prev: string[] = []) => [...prev, sourceName(v)])
      .option('--var <name=value>', 'a variable value (repeatable)', collectVar)
      .option('--account <id>', 'which Jules account (needed when the workspace has several)')
      .option('--idempotency-key <key>', 'the same key again answers the first launch instead of creating anything')
      .option('--wait', 'follow the batch with a progress bar until every item is created or failed (exit 1 if one failed)'),
  ).action(
    run(async (id: string, o: ConnectionOptions & { repo?: string[]; var?: Record<string, string>; account?: string; idempotencyKey?: string; wait?: boolean }) => {
      const { client } = await connect(o);
      const t = await resolveTemplate(client, id);
      const batch = await client.templates.launch(t.id, {
        ...(o.var ? { values: o.var } : {}),
        ...(o.repo?.length ? { sources: o.repo } : {}),
        ...(o.account ? { accountId: o.account } : {}),
        ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
      });
      process.stderr.write(`launched "${cell(t.name, 60)}": batch ${batch.id}, ${batch.counts.total} item(s)\n`);
      if (o.wait) return reportBatch(o, await followBatch(client, batch));
      if (o.json) return printJson(batch);
      say(o, `${itemsTable(batch)}\n\nfollow it: autopilot batches show ${batch.id}`);
    }),
  );
  return cmd;
}
