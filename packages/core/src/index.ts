export * from './errors/index.js';
export * from './mapping/index.js';
export * from './model/index.js';
export * from './security/index.js';
export * from './spec/index.js';
