export * from './errors';
export * from './models';
export * from './pricing';
export * from './resilience';
