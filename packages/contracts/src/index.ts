export * from './common';
export * from './auth';
export * from './health';
export * from './events';
export * from './workspaces';
