import * as vscode from 'vscode';
import type { DiffDocument } from '../core';

export const DIFF_SCHEME = 'jules-autopilot-diff';

/** Serves the two sides of each opened diff as read-only virtual documents. */
export class DiffContent implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  /** Opens VS Code's diff editor on one file of a session's change. */
  async open(sessionId: string, title: string, doc: DiffDocument): Promise<void> {
    const left = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${sessionId}/original/${doc.oldPath ?? doc.path}` });
    const right = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${sessionId}/modified/${doc.path}` });
    this.docs.set(left.toString(), doc.original);
    this.docs.set(right.toString(), doc.modified);
    const note = doc.complete ? '' : ' (patch hunks only)';
    await vscode.commands.executeCommand('vscode.diff', left, right, `${title}: ${doc.path} [${doc.status}]${note}`, { preview: true });
  }
}

/** Reads a file of the first workspace folder (the original side, when the patch applies to it). */
export async function readWorkspaceFile(relPath: string): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || relPath.split('/').includes('..')) return null;
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, ...relPath.split('/')));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
