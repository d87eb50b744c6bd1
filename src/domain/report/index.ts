export * from './build.js';
export * from './month.js';
export * from './lists.js';
