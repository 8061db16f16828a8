import { DxError } from '../core/errors.js';
import { ccGlmAdapter } from './ccGlm.js';
import { claudeCodeAdapter } from './claudeCode.js';
import { geminiAdapter } from './gemini.js';
import { opencodeAdapter } from './opencode.js';
import type { ProviderAdapter } from './types.js';

export { isContent } from './types.js';
export type { AgentEvent, ProviderAdapter } from './types.js';

/** The registry: `--provider` accepts exactly these names. */
const ADAPTERS: ReadonlyMap<string, ProviderAdapter> = new Map(
  [opencodeAdapter, ccGlmAdapter, claudeCodeAdapter, geminiAdapter].map((a) => [a.name, a]),
);

export const providerNames = (): string[] => [...ADAPTERS.keys()];

export const allProviders = (): ProviderAdapter[] => [...ADAPTERS.values()];

export function getProvider(name: string): ProviderAdapter {
  const adapter = ADAPTERS.get(name);
  if (!adapter) {
    throw new DxError('provider_not_found', `unknown provider '${name}'; use one of: ${providerNames().join(', ')}`);
  }
  return adapter;
}
