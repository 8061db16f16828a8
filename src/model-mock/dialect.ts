import type http from 'node:http';
import type { Turn } from './script.js';

/** The scripted turn as sent: an answer comes in `words`, one streamed chunk each (one chunk unless slow). */
export type Reply = Exclude<Turn, { kind: 'answer' }> | { kind: 'answer'; text: string; words: string[] };

/**
 * One provider wire API spoken by the scripted model. A dialect only translates: it reads a request
 * into a `Conversation` and writes a scripted `Turn` (or an HTTP error) back in its provider's shape.
 * Failing, stalling and choosing the next turn are decided once, in index.ts, for every dialect.
 */
export interface Dialect {
  readonly name: string;
  /** does this request belong to this API? (method and path) */
  matches(method: string, url: string): boolean;
  /** the request, normalised; null answers 404 in this dialect's error shape */
  read(url: string, body: string): Conversation | null;
  writeError(res: http.ServerResponse, status: number): void;
  /** stream (or send) the turn; `pace` waits between streamed words and says false once the client has gone */
  writeTurn(res: http.ServerResponse, turn: Reply, conv: Conversation, pace: () => Promise<boolean>): Promise<void>;
  /** a non-streaming request this API makes besides conversations (model lists, token counts …); null if none */
  answerOther?(method: string, url: string, body: string): { status: number; body: unknown } | null;
}

export interface Conversation {
  model: string;
  /** every user message's text, joined: where the `@mock` script lives */
  userText: string;
  /** an agent turn offers tools; side requests (titles, summaries) do not and get a short answer */
  isAgent: boolean;
  /** tool results the agent has sent back so far: which scripted action comes next */
  toolResultsSeen: number;
  /** the model has answered in this conversation before (a stall applies to the first answer only) */
  hasAssistantTurn: boolean;
  /** whether the client asked for a streamed answer */
  stream: boolean;
  /** tool names the client offers, for dialects whose tool names differ from the script's */
  tools: string[];
}
