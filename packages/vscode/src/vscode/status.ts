import * as vscode from 'vscode';
import { statusText, statusTooltip, type GroupCounts } from '../core';

/** The status bar item: what needs the person; a click focuses the sessions view. */
export function createStatusBar(): { update(c: GroupCounts | null, problem?: string): void; dispose(): void } {
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  item.command = 'julesAutopilot.sessions.focus';
  item.show();
  return {
    update(c, problem) {
      if (problem) {
        item.text = '$(debug-disconnect) Jules';
        item.tooltip = problem;
        return;
      }
      item.text = c ? statusText(c) : '$(sync~spin) Jules';
      item.tooltip = c ? statusTooltip(c) : 'Loading sessions';
    },
    dispose: () => item.dispose(),
  };
}
