export { classifyHealth, HEALTH_STATES, TERMINAL_STATES, thresholdsSec } from './classify.js';
export type { Health, HealthSnapshot, HealthState } from './classify.js';
export { decideOutcome, emptySummary, foldEvent, forcedOutcome, REASON_CODE } from './outcome.js';
export type { Outcome, OutcomeState, OutputSummary, Thresholds } from '../contract/health.js';
export { nextActionFor } from './nextAction.js';
