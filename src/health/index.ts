export { classifyHealth, HEALTH_STATES, TERMINAL_STATES } from './classify.js';
export type { Health, HealthSnapshot, HealthState, Thresholds } from './classify.js';
export { decideOutcome, emptySummary, foldEvent } from './outcome.js';
export type { Outcome, OutcomeState, OutputSummary } from './outcome.js';
export { nextActionFor } from './nextAction.js';
