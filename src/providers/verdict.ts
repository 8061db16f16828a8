import type { Lane } from '../contract/index.js';
import { DxError } from '../core/errors.js';
import { fallbackAfter, policyModel, type ModelDecision, type ModelRefusal } from './policy.js';
import type { AuthCheck, LaunchSpec, ProviderAdapter } from './types.js';

/** What a job asks of a provider's model, from its flags, its profile and the environment. */
export interface ModelAsk {
  /** --model, or the profile's */
  model?: string;
  allowModelOverride?: boolean;
  /** a profile's strict model list */
  allowedModels?: string[];
}

/**
 * The model a provider runs for a job: the model policy picks it (an explicit model, else the environment's
 * under the override rule, else the canonical one), then a profile's list must hold it.
 */
export function decideProviderModel(
  adapter: Pick<ProviderAdapter, 'defaultModel' | 'modelEnv'>,
  ask: ModelAsk,
  env: NodeJS.ProcessEnv,
): ModelDecision {
  const d = policyModel(adapter, ask.model, ask.allowModelOverride, env);
  const allowed = ask.allowedModels;
  if (!d.ok || !allowed || allowed.includes(d.model)) return d;
  const detail = `the profile allows only ${allowed.join(', ')}, not ${d.model}; drop --model or use another profile`;
  return { ok: false, reasonCode: 'model_not_allowed', detail };
}

/** The shared opencode server of an attach or server lane job, as found and probed; null: there is none. */
export type ServerFact = { url: string; password?: string; healthy: boolean } | null;

/**
 * What is known of one provider for one job, gathered at the edge. A fact left out was not gathered (start
 * stops gathering at the first refusal; preflight has no lane and builds no launch): its check is skipped.
 */
export interface ProviderFacts {
  /** the model the checks are about: the one decided, else (refused) the canonical one */
  model: string;
  /** why the model may not run (decideProviderModel); null: it may */
  policyRefusal: ModelRefusal | null;
  /** the provider's credentials check; null when it has none */
  auth: AuthCheck | null;
  /** the shared server, for a job in the attach or server lane */
  server?: ServerFact;
  /** the launch as built: building it resolves credentials, so it can be refused */
  launch?: LaunchSpec | DxError;
  /** the command that runs the agent, and whether it is there to run */
  binary?: { command: string; found: boolean };
  /** the models the CLI lists; null: it could not list them, which does not block */
  models?: string[] | null;
}

/** The model facts of a provider: the model the checks are about, and why it may not run. */
export function modelFacts(
  adapter: Pick<ProviderAdapter, 'defaultModel' | 'modelEnv'>,
  ask: ModelAsk,
  env: NodeJS.ProcessEnv,
): Pick<ProviderFacts, 'model' | 'policyRefusal'> {
  const d = decideProviderModel(adapter, ask, env);
  return d.ok
    ? { model: d.model, policyRefusal: null }
    : { model: adapter.defaultModel, policyRefusal: { reasonCode: d.reasonCode, detail: d.detail } };
}

export type CheckName = 'model_policy' | 'auth' | 'lane' | 'launch' | 'binary' | 'model_listed';

/** One check of a provider: passed, refused, or (an unlisted model list) unknown. */
export type ProviderCheck =
  | { check: CheckName; status: 'ok' }
  | { check: 'model_listed'; status: 'unknown' }
  | { check: CheckName; status: 'refused'; refusal: DxError };

function laneRefusal(adapter: Pick<ProviderAdapter, 'name' | 'lanes'>, lane: Lane, server?: ServerFact) {
  if (!adapter.lanes.includes(lane)) {
    return new DxError(
      `${adapter.name}_${lane}_mode_unavailable`,
      `${adapter.name} has no ${lane} lane; use --lane headless`,
    );
  }
  if (lane === 'headless' || server === undefined) return null;
  if (server === null) {
    return new DxError(
      'opencode_attach_missing_url',
      'no shared opencode server: start one with dx-runner serve start, or pass --attach <url>',
    );
  }
  if (server.healthy) return null;
  return new DxError(
    'server_unhealthy',
    `the opencode server at ${server.url} is not answering healthy; check dx-runner serve status`,
  );
}

/** Pure: the refusal of a provider whose CLI `command` is not there to run, with how to install it. */
export const binaryMissing = (adapter: Pick<ProviderAdapter, 'name' | 'installHint'>, command: string): DxError =>
  new DxError(
    'provider_binary_missing',
    `${adapter.name} binary '${command}' not found or not executable; ${adapter.installHint}`,
  );

/**
 * Pure: can this provider take the job? Each check its facts allow, in the order start decides them: start
 * refuses with the first refused one, preflight reports every one. `lane`: the job's lane (start only).
 */
export function providerChecks(
  adapter: Pick<ProviderAdapter, 'name' | 'lanes' | 'installHint'>,
  f: ProviderFacts,
  lane?: Lane,
): ProviderCheck[] {
  const checks: ProviderCheck[] = [];
  const add = (check: CheckName, refusal: DxError | null) =>
    checks.push(refusal ? { check, status: 'refused', refusal } : { check, status: 'ok' });
  add('model_policy', f.policyRefusal && new DxError(f.policyRefusal.reasonCode, f.policyRefusal.detail));
  if (f.auth) add('auth', f.auth.ok ? null : new DxError(f.auth.reasonCode, f.auth.detail));
  if (lane) add('lane', laneRefusal(adapter, lane, f.server));
  if (f.launch) add('launch', f.launch instanceof DxError ? f.launch : null);
  if (f.binary) {
    const { command, found } = f.binary;
    add('binary', found ? null : binaryMissing(adapter, command));
  }
  if (f.models === null) checks.push({ check: 'model_listed', status: 'unknown' });
  else if (f.models) {
    const fallback = fallbackAfter(adapter.name);
    const route = fallback ? `; route the job to ${fallback}: dx-runner start --provider ${fallback} …` : '';
    const hint = `(or check dx-runner preflight --provider ${adapter.name})`;
    const why = `${adapter.name} does not offer ${f.model}${route} ${hint}`;
    add('model_listed', f.models.includes(f.model) ? null : new DxError('model_unavailable', why));
  }
  return checks;
}

type Refused = Extract<ProviderCheck, { status: 'refused' }>;

/** The refusal start ends on: the first refused check. */
export const firstRefusal = (checks: ProviderCheck[]): DxError | undefined =>
  checks.find((c): c is Refused => c.status === 'refused')?.refusal;
