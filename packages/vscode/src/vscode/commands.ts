import * as vscode from 'vscode';
import type { ApiClient } from '@autopilot/client';
import {
  detectRepo, diffDocuments, fetchSessionPatch, plainLine, sessionActions, startSession, type Selection, type SessionsModel,
} from '../core';
import { sessionIdOf } from './tree';
import { readWorkspaceFile, type DiffContent } from './diff';

export interface CommandDeps {
  api: () => ApiClient;
  model: () => SessionsModel | undefined;
  diff: DiffContent;
  setApiKey: () => Promise<void>;
  reconnect: () => Promise<void>;
}

const message = (err: unknown) => plainLine((err as Error)?.message ?? String(err), 400);

/** Picks a session of the model when a command runs from the palette rather than the tree. */
async function pick(deps: CommandDeps, arg: unknown, groups?: string[]): Promise<string | undefined> {
  const id = sessionIdOf(arg);
  if (id) return id;
  const items = (deps.model()?.groups() ?? []).filter((g) => !groups || groups.includes(g.id)).flatMap((g) =>
    g.sessions.map((s) => ({ label: plainLine(s.title || s.prompt, 100), description: `${g.title} · ${s.state}`, id: s.id })),
  );
  if (!items.length) {
    void vscode.window.showInformationMessage('No session to act on.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Which session?' }))?.id;
}

/** Runs an action and reports its failure; the tree follows by live events. */
async function run(title: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, work);
  } catch (err) {
    void vscode.window.showErrorMessage(`${title} failed: ${message(err)}`);
  }
}

function editorSelection(): Selection | undefined {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.selection.isEmpty) return undefined;
  const sel = ed.selection;
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
  return { path: vscode.workspace.asRelativePath(ed.document.uri, false).replace(/\\/g, '/'), startLine: sel.start.line + 1, endLine, text: ed.document.getText(sel), languageId: ed.document.languageId };
}

async function start(deps: CommandDeps, withSelection: boolean): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') return void vscode.window.showErrorMessage('Open a folder with a git checkout first.');
  const selection = withSelection ? editorSelection() : undefined;
  if (withSelection && !selection) return void vscode.window.showErrorMessage('Select some text in an editor first.');
  let repo;
  try {
    repo = await detectRepo(folder.uri.fsPath);
  } catch (err) {
    return void vscode.window.showErrorMessage(message(err));
  }
  const branch = await vscode.window.showInputBox({ prompt: `Branch of ${repo.owner}/${repo.repo} to start from`, value: repo.branch ?? '', validateInput: (v) => (v.trim() ? null : 'A branch is required') });
  if (branch === undefined) return;
  const task = await vscode.window.showInputBox({ prompt: selection ? `What should Jules do with ${selection.path}:${selection.startLine}-${selection.endLine}?` : `What should Jules do in ${repo.owner}/${repo.repo}?`, validateInput: (v) => (v.trim() ? null : 'Say what Jules should do') });
  if (!task) return;
  await run('Starting a Jules session', async () => {
    const out = await startSession(deps.api(), { repo, branch: branch.trim(), task, selection, requirePlanApproval: true });
    const queued = 'kind' in out && out.kind === 'dispatch';
    void vscode.window.showInformationMessage(queued ? 'The session is queued: the account is at its plan limit.' : `Session started on ${repo.owner}/${repo.repo}@${branch.trim()}.`);
  });
}

/** Registers every command of the extension. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const acts = () => sessionActions(deps.api());
  const reg = (name: string, fn: (arg?: unknown) => unknown) => vscode.commands.registerCommand(`julesAutopilot.${name}`, fn);
  return [
    reg('setApiKey', () => deps.setApiKey()),
    reg('refresh', () => deps.reconnect()),
    reg('approvePlan', async (arg) => {
      const id = await pick(deps, arg, ['approval']);
      if (id) await run('Approving the plan', () => acts().approvePlan(id));
    }),
    reg('reply', async (arg) => {
      const id = await pick(deps, arg, ['input', 'stuck', 'running', 'approval']);
      if (!id) return;
      const text = await vscode.window.showInputBox({ prompt: 'Reply to Jules', validateInput: (v) => (v.trim() ? null : 'The reply is empty') });
      if (text) await run('Sending the reply', () => acts().reply(id, text));
    }),
    reg('archive', async (arg) => {
      const id = await pick(deps, arg);
      if (id) await run('Archiving', () => acts().archive(id));
    }),
    reg('pauseKeeper', async (arg) => {
      const id = await pick(deps, arg);
      if (id) await run('Pausing the keeper for the session', () => acts().setKeeperPaused(id, true));
    }),
    reg('resumeKeeper', async (arg) => {
      const id = await pick(deps, arg);
      if (id) await run('Resuming the keeper for the session', () => acts().setKeeperPaused(id, false));
    }),
    reg('toggleWorkspaceKeeper', async () => {
      const choice = await vscode.window.showQuickPick(['Pause the keeper for the whole workspace', 'Resume the keeper for the whole workspace']);
      if (!choice) return;
      await run('Updating the keeper', async () => {
        const enabled = await acts().setKeeperEnabled(choice.startsWith('Resume'));
        void vscode.window.showInformationMessage(enabled ? 'The keeper is on.' : 'The keeper is paused for the workspace.');
      });
    }),
    reg('openPr', async (arg) => {
      const id = await pick(deps, arg);
      if (!id) return;
      await run('Opening the PR', async () => {
        const url = await acts().prUrl(id);
        if (!url) return void vscode.window.showInformationMessage('This session has no pull request yet.');
        await vscode.env.openExternal(vscode.Uri.parse(url, true));
      });
    }),
    reg('openDiff', async (arg) => {
      const id = await pick(deps, arg);
      if (!id) return;
      await run('Opening the diff', async () => {
        const patch = await fetchSessionPatch(deps.api(), id);
        if (!patch) return void vscode.window.showInformationMessage('This session has no change set yet.');
        const docs = await diffDocuments(patch.patch, readWorkspaceFile);
        const title = plainLine(deps.model()?.get(id)?.title ?? id, 60);
        const doc = docs.length === 1 ? docs[0] : (await vscode.window.showQuickPick(docs.map((d) => ({ label: d.path, description: d.status, d })), { placeHolder: 'Which file?' }))?.d;
        if (doc) await deps.diff.open(id, title, doc);
      });
    }),
    reg('startSession', () => start(deps, false)),
    reg('startSessionOnSelection', () => start(deps, true)),
  ];
}
