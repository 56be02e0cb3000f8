/** The extension's logic, free of the `vscode` module (tested against a running orchestrator). */
export * from './actions';
export * from './config';
export * from './diff';
export * from './git';
export * from './groups';
export * from './model';
export * from './prompt';
export * from './text';
