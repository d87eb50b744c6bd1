export * from './build.js';
export * from './month.js';
