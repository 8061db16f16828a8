export {
  classifyHealth,
  HEALTH_STATES,
  OUTCOME_STATE_TO_STATE,
  OUTCOME_STATES_IN_WORDS,
  RATE_LIMIT_BACKOFF,
  stateOfOutcome,
  TERMINAL_STATES,
  thresholdsSec,
} from './classify.js';
export type { Health, HealthSnapshot, HealthState } from './classify.js';
export { decideOutcome, emptySummary, foldEvent, forcedOutcome, REASON_CODE } from './outcome.js';
export type { Outcome, OutcomeState, OutputSummary, Thresholds } from '../contract/health.js';
export { nextActionFor } from './nextAction.js';
export { serverLostOutcome, type AttachedServer } from './serverLost.js';
