import * as vscode from 'vscode';
import type { SessionSummary } from '@autopilot/contracts';
import { plainLine, type Group, type SessionsModel } from '../core';

/** A node of the tree: a group, or a session inside one. */
export type Node = { kind: 'group'; group: Group } | { kind: 'session'; session: SessionSummary; group: Group };

const GROUP_ICON: Record<string, string> = { approval: 'checklist', input: 'comment-discussion', stuck: 'warning', failed: 'error', running: 'sync', done: 'pass' };

/** The sessions view over the model (no logic here: the model decides groups and order). */
export class SessionsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: () => SessionsModel | undefined) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) return (this.model()?.groups() ?? []).map((group) => ({ kind: 'group', group }));
    if (node.kind === 'group') return node.group.sessions.map((session) => ({ kind: 'session', session, group: node.group }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'group') {
      const g = node.group;
      const item = new vscode.TreeItem(`${g.title} (${g.sessions.length})`, g.sessions.length && g.needsUser ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.iconPath = new vscode.ThemeIcon(GROUP_ICON[g.id] ?? 'circle-outline');
      item.contextValue = `group.${g.id}`;
      return item;
    }
    const s = node.session;
    const item = new vscode.TreeItem(plainLine(s.title || s.prompt, 100), vscode.TreeItemCollapsibleState.None);
    item.id = s.id;
    item.description = `${s.state.toLowerCase().replace(/_/g, ' ')}${s.source ? ` · ${s.source.replace(/^sources\/github\//, '')}` : ''}`;
    item.tooltip = new vscode.MarkdownString().appendText(`${plainLine(s.title, 200)}\n\n${s.state} · updated ${s.updateTime}\n\n${plainLine(s.prompt, 500)}`);
    // Menus (package.json) key on group and PR: session.approval, session.input.pr ...
    item.contextValue = `session.${node.group.id}${s.prUrl ? '.pr' : ''}`;
    item.command = { command: 'julesAutopilot.openDiff', title: 'Open Diff', arguments: [node] };
    return item;
  }
}

/** The session id a command was invoked on: a tree node, or none (then the caller asks). */
export const sessionIdOf = (arg: unknown): string | undefined => {
  const n = arg as Node | undefined;
  return n && n.kind === 'session' ? n.session.id : undefined;
};
