export * from './api.js';
export * from './canonical.js';
export * from './catalog.js';
export * from './enums.js';
export * from './field-mapping.js';
export * from './integration.js';
export * from './job.js';
export * from './provider.js';
