/**
 * Profiles in the bash dx-runner's format (sections `profile:`, `provider:`, `concurrency:`, `preflight:`,
 * `timeouts:`, `scope:`, `gates:` with `required|optional` values), read as today's profile. A setting that
 * still means something is converted; one that no longer does anything is dropped and named (the loader says
 * so on stderr); a requirement dx-runner cannot enforce is refused, so a profile never promises a check that
 * does not happen.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sections only the bash tool's format has (today's `provider` is a name, not a section). */
const LEGACY_SECTIONS = ['profile', 'concurrency', 'preflight', 'scope'];

export function isLegacyProfile(data: unknown): data is Obj {
  return isObj(data) && (isObj(data.provider) || LEGACY_SECTIONS.some((k) => k in data));
}

export interface ConvertedProfile {
  /** the profile in today's format (still to be validated) */
  profile: Obj;
  /** the old fields that no longer do anything, each with what to use instead */
  dropped: string[];
  /** why it cannot be read: it requires a check dx-runner does not make */
  refused?: string;
}

/** `execution_mode` values and the lane each is now. */
const LANES: Record<string, string> = { run: 'headless', headless: 'headless', attach: 'attach', server: 'server' };

/** Old `gates:` entries: a required one becomes a post-job gate, or is refused with the fix. */
const GATES: Record<string, { gate: string } | { refuse: string }> = {
  feature_key: { gate: 'feature-key' },
  baseline: { refuse: 'a profile cannot name the commit; set it to optional and pass start --required-baseline' },
  commit_artifact: { refuse: 'dx-runner does not check that a job committed its work yet; set it to optional' },
  railway_auth: { refuse: 'dx-runner has no Railway gate; set it to optional' },
};

const TIMEOUTS: Record<string, string | null> = {
  stall_minutes: 'stall_minutes',
  max_runtime_minutes: 'max_runtime_minutes',
  no_mutation_timeout_minutes: 'no_mutation_timeout_minutes',
  first_output_grace_seconds: 'startup_grace_sec',
  first_mutation_grace_seconds: null,
};

/** Today's profile from one in the bash tool's format. Pure: the caller validates the result. */
export function fromLegacyProfile(data: Obj): ConvertedProfile {
  const { profile: meta, provider, concurrency, preflight, timeouts, scope, gates, ...rest } = data;
  const out: Obj = { ...rest };
  const dropped: string[] = [];
  // a section that is not a mapping stays under its own name, for validation to name it
  for (const [k, v] of Object.entries({ profile: meta, concurrency, preflight, scope }))
    if (v !== undefined && !isObj(v)) out[k] = v;
  const set = (key: string, v: unknown) => {
    if (v !== undefined && v !== null) out[key] = v;
  };
  if (isObj(meta)) set('description', meta.description);
  if (isObj(provider)) {
    set('provider', provider.name);
    set('model', provider.model);
    set('allow_model_override', provider.allow_model_override);
    const mode = provider.execution_mode;
    if (typeof mode === 'string') out.lane = LANES[mode] ?? mode;
    // the bash tool never fell back; null said so, and is today's explicit "none"
    if ('fallback_provider' in provider) out.fallback_provider = provider.fallback_provider ?? 'none';
  } else set('provider', provider);
  if (timeouts !== undefined && !isObj(timeouts)) out.timeouts = timeouts;
  if (gates !== undefined && !isObj(gates)) out.gates = gates;
  if (isObj(concurrency)) {
    set('max_parallel', concurrency.max_parallel);
    if (concurrency.queue_timeout_sec != null)
      dropped.push('concurrency.queue_timeout_sec (start --wait <sec> queues for a slot)');
  }
  if (isObj(preflight)) {
    set('strict', preflight.strict);
    if (preflight.policy != null)
      dropped.push('preflight.policy (per-check severities are gone: strict: true makes every warning an error)');
  }
  if (isObj(timeouts)) {
    const t: Obj = {};
    for (const [k, v] of Object.entries(timeouts)) {
      if (v == null) continue;
      const to = k in TIMEOUTS ? TIMEOUTS[k] : k;
      if (to) t[to] = v;
      else dropped.push(`timeouts.${k} (never used)`);
    }
    if (Object.keys(t).length) out.timeouts = t;
  }
  const g: Obj = {};
  const required: string[] = [];
  if (isObj(scope)) {
    if (scope.allowed_paths_file != null) g.allowed_paths_file = scope.allowed_paths_file;
    if (scope.mutation_budget != null) g.mutation_budget = scope.mutation_budget;
    if (scope.allowed_paths_file != null || scope.mutation_budget != null) required.push('scope');
    if (scope.file_budget != null) dropped.push('scope.file_budget (never enforced: use scope.mutation_budget)');
  }
  if (isObj(gates)) {
    for (const [k, v] of Object.entries(gates)) {
      const rule = GATES[k];
      if (v !== 'required' || !rule) {
        if (v !== 'optional') g[k] = v; // left for validation to name
        continue;
      }
      if ('refuse' in rule)
        return { profile: out, dropped, refused: `gates.${k}: required cannot be honoured: ${rule.refuse}` };
      required.push(rule.gate);
    }
  }
  if (required.length) g.required = required;
  if (Object.keys(g).length) out.gates = g;
  return { profile: out, dropped };
}
