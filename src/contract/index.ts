/**
 * What several folders share: the lanes, the gates and their inputs, the job events, the health types. This
 * folder imports nothing from src/. Its schemas load zod, which costs more than `check` itself: modules that
 * `check` and `status` load import only types from here (`import type`).
 */
export * from './lanes.js';
export * from './gates.js';
export * from './events.js';
export * from './health.js';
export * from './delivery.js';
