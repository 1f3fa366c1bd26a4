/** Fake CRM servers on loopback, and the framework they are built on (each folder lists its public names). */
export * from './framework/index.js';
export * from './tave/index.js';
