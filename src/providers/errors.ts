import type { FailureClass } from '../core/reasons.js';

/**
 * Provider failure taxonomy: an HTTP status and/or message → a stable reason code suffix (the classes and their
 * kinds are in the reason catalog). Shared by every adapter so `opencode_rate_limited` and `gemini_rate_limited`
 * mean the same thing.
 */

const MESSAGE_RULES: Array<[RegExp, FailureClass]> = [
  [/\b(401|403)\b|unauthori[sz]ed|forbidden|invalid api key|authentication/i, 'auth_failed'],
  [/\b404\b|model[^\n]*not found|modelnotfound|unknown model|no such model/i, 'model_unavailable'],
  [/\b429\b|rate.?limit|too many requests|quota|resource.?exhausted/i, 'rate_limited'],
  [/\b5\d\d\b|internal server error|bad gateway|service unavailable|overloaded|gateway timeout/i, 'provider_error'],
];

export function classifyFailure(statusCode: number | undefined, message: string): FailureClass {
  if (statusCode === 401 || statusCode === 403) return 'auth_failed';
  if (statusCode === 404) return 'model_unavailable';
  if (statusCode === 429) return 'rate_limited';
  if (statusCode !== undefined && statusCode >= 500 && statusCode <= 599) return 'provider_error';
  for (const [re, cls] of MESSAGE_RULES) if (re.test(message)) return cls;
  return 'error_event';
}
