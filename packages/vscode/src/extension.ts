import * as vscode from 'vscode';
import type { ApiClient } from '@autopilot/client';
import { apiFor, parseServerUrl, SessionsModel, SETTING_PREFIX, plainLine, type Attention } from './core';
import { SessionsTree } from './vscode/tree';
import { createStatusBar } from './vscode/status';
import { DIFF_SCHEME, DiffContent } from './vscode/diff';
import { registerCommands } from './vscode/commands';

const SECRET = `${SETTING_PREFIX}.apiKey`;

/**
 * The thin layer: reads the settings and the key (SecretStorage), builds the model and the API client from
 * ./core, and binds them to a tree view, a status bar item, notifications and commands.
 */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  let key: string | undefined = await context.secrets.get(SECRET);
  let api: ApiClient | undefined;
  let model: SessionsModel | undefined;
  const status = createStatusBar();
  const diff = new DiffContent();
  const tree = new SessionsTree(() => model);

  const settings = () => vscode.workspace.getConfiguration(SETTING_PREFIX);
  const notify = (a: Attention) => {
    if (!settings().get<boolean>('notifications', true)) return;
    void vscode.window.showInformationMessage(plainLine(a.message, 400), ...(a.sessionId && a.kind === 'approval' ? ['Approve plan'] : []), ...(a.sessionId ? ['Show diff'] : [])).then((pick) => {
      const node = a.sessionId ? model?.get(a.sessionId) : undefined;
      if (!pick || !node) return;
      const arg = { kind: 'session', session: node, group: model!.groups().find((g) => g.id === model!.groupOf(node.id))! };
      void vscode.commands.executeCommand(pick === 'Approve plan' ? 'julesAutopilot.approvePlan' : 'julesAutopilot.openDiff', arg);
    });
  };

  async function connect(): Promise<void> {
    model?.close();
    let url: string;
    try {
      url = parseServerUrl(settings().get<string>('serverUrl'));
    } catch (err) {
      status.update(null, (err as Error).message);
      return void vscode.window.showErrorMessage((err as Error).message);
    }
    if (!key) {
      status.update(null, 'No API key: run "Jules Autopilot: Set API Key"');
      return;
    }
    api = apiFor(url, () => key);
    const m = new SessionsModel({
      api,
      onChange: () => {
        tree.refresh();
        status.update(m.counts());
      },
      onAttention: notify,
      onConnection: (state, error) => {
        if (state === 'reconnecting' && error) status.update(null, `Live updates interrupted: ${plainLine(error, 200)}`);
        else if (state === 'connected' && m.loaded) status.update(m.counts());
      },
      onError: (err) => console.warn('jules-autopilot: live update failed', (err as Error)?.message),
    });
    model = m;
    tree.refresh();
    status.update(null);
    try {
      await m.load();
      m.follow();
    } catch (err) {
      status.update(null, plainLine((err as Error).message, 300));
      void vscode.window.showErrorMessage(`Jules Autopilot: ${plainLine((err as Error).message, 300)}`);
    }
  }

  async function setApiKey(): Promise<void> {
    const value = await vscode.window.showInputBox({ prompt: 'API key of your Jules Autopilot workspace (kept in VS Code SecretStorage)', password: true, ignoreFocusOut: true });
    if (value === undefined) return;
    if (value.trim()) await context.secrets.store(SECRET, value.trim());
    else await context.secrets.delete(SECRET);
    key = value.trim() || undefined;
    await connect();
  }

  context.subscriptions.push(
    { dispose: () => model?.close() },
    vscode.window.registerTreeDataProvider('julesAutopilot.sessions', tree),
    status,
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diff),
    context.secrets.onDidChange(async (e) => {
      if (e.key !== SECRET) return;
      key = await context.secrets.get(SECRET);
      await connect();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTING_PREFIX}.serverUrl`)) void connect();
    }),
    ...registerCommands({
      api: () => {
        if (!api) throw new Error('Not connected: set the server URL and run "Jules Autopilot: Set API Key".');
        return api;
      },
      model: () => model,
      diff,
      setApiKey,
      reconnect: connect,
    }),
  );
  await connect();
}

export function deactivate(): void {}
