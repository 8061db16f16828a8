import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { DxError } from '../core/errors.js';
import { providerNames } from '../providers/index.js';
import { ProfileSchema, type LoadedProfile } from './schema.js';
import { fromLegacyProfile, isLegacyProfile } from './legacy.js';

export { ProfileSchema, type LoadedProfile, type Profile } from './schema.js';

const SHIPPED = fileURLToPath(new URL('../../configs/dx-runner-profiles', import.meta.url));

/**
 * Where profiles are looked for, first match wins: the user's own (they may shadow a shipped one), then the
 * shipped ones.
 */
export function profileDirs(env: NodeJS.ProcessEnv): string[] {
  const config = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return [
    ...(env.DX_RUNNER_PROFILES_DIR ? [env.DX_RUNNER_PROFILES_DIR] : []),
    path.join(config, 'dx-runner', 'profiles'),
    SHIPPED,
  ];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Where in the file a field is: the key itself for an unknown key, else the value, else the nearest enclosing map. */
function offsetOf(doc: Document, at: Array<string | number>, key?: string): number | undefined {
  for (let depth = at.length; depth >= 0; depth--) {
    const node = depth ? doc.getIn(at.slice(0, depth), true) : doc.contents;
    if (!node) continue;
    if (key !== undefined && depth === at.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key.range?.[0];
    }
    return (node as { range?: number[] }).range?.[0];
  }
  return undefined;
}

/** Parses and validates one profile file; a bad one is refused with its line and field. */
export function parseProfile(name: string, file: string, text: string): LoadedProfile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? '' : `:${lines.linePos(offset).line}`);
  const invalid = (where: string, what: string) =>
    new DxError('profile_invalid', `profile ${name} (${file}${where}) ${what}; fix the file`);
  if (doc.errors.length)
    throw invalid(at(doc.errors[0].pos[0]), `is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  if (!isMap(doc.contents)) throw invalid('', 'must be a mapping of settings (provider: …, model: …)');
  let data: unknown = doc.toJS();
  let legacyDropped: string[] | undefined;
  if (isLegacyProfile(data)) {
    const converted = fromLegacyProfile(data);
    if (converted.refused) throw invalid('', `in the bash dx-runner's format: ${converted.refused}`);
    data = converted.profile;
    legacyDropped = converted.dropped;
  }
  const parsed = ProfileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const field = [...issue.path, ...(unknownKey ? [unknownKey] : [])].join('.') || '(top)';
    const what = unknownKey
      ? `has an unknown field '${field}' (every field must do something)`
      : `field '${field}': ${issue.message}`;
    // a converted profile's fields are today's names, not the file's: no line to point at
    if (legacyDropped) throw invalid('', `read in the bash dx-runner's format ${what}`);
    const offset = offsetOf(doc, issue.path as Array<string | number>, unknownKey);
    throw invalid(at(offset), what);
  }
  const profile = parsed.data;
  for (const [field, p] of [
    ['provider', profile.provider],
    ['fallback_provider', profile.fallback_provider],
  ] as const) {
    if (p && p !== 'none' && !providerNames().includes(p))
      throw invalid('', `field '${field}': unknown provider '${p}' (use one of: ${providerNames().join(', ')})`);
  }
  if (profile.model && profile.allowed_models && !profile.allowed_models.includes(profile.model)) {
    throw invalid('', `field 'model': ${profile.model} is not in allowed_models`);
  }
  if (profile.gates?.allowed_paths_file)
    profile.gates.allowed_paths_file = path.resolve(path.dirname(file), profile.gates.allowed_paths_file);
  return legacyDropped ? { name, file, profile, legacyDropped } : { name, file, profile };
}

/** A profile by name (searched in profileDirs) or by path to a .yaml file. */
export function loadProfile(ref: string, env: NodeJS.ProcessEnv): LoadedProfile {
  let file: string | undefined;
  if (ref.includes('/') || /\.ya?ml$/.test(ref)) file = path.resolve(ref);
  else if (NAME.test(ref))
    file = profileDirs(env)
      .map((d) => path.join(d, `${ref}.yaml`))
      .find((f) => fs.existsSync(f));
  else throw new DxError('profile_not_found', `'${ref}' is not a profile name; run dx-runner profiles to list them`);
  if (!file || !fs.existsSync(file)) {
    throw new DxError(
      'profile_not_found',
      `no profile '${ref}' in ${profileDirs(env).join(', ')}; run dx-runner profiles to list them`,
    );
  }
  const name = path.basename(file).replace(/\.ya?ml$/, '');
  const loaded = parseProfile(name, file, readProfileFile(file));
  if (loaded.legacyDropped) process.stderr.write(`dx-runner: ${legacyProfileNote(loaded)}\n`);
  return loaded;
}

/** A profile file's text; a folder or a file that cannot be read is one line naming it. */
function readProfileFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new DxError(
      'profile_unreadable',
      `profile ${file} ${what}; pass a profile name or a profile's .yaml file with --profile`,
    );
  }
}

/** The one-line deprecation note for a profile read in the bash dx-runner's format. */
export function legacyProfileNote(p: LoadedProfile): string {
  const dropped = p.legacyDropped?.length ? `; no longer used: ${p.legacyDropped.join(', ')}` : '';
  return (
    `profile ${p.name} (${p.file}) is in the bash dx-runner's format, which is deprecated: it was converted` +
    `${dropped}; dx-runner profiles --show ${p.name} shows the settings it gives`
  );
}

/** Every profile found, by name (a user's profile shadows a shipped one of the same name). */
export function listProfiles(env: NodeJS.ProcessEnv): Array<{ name: string; file: string; shadowed: string[] }> {
  const found = new Map<string, { name: string; file: string; shadowed: string[] }>();
  for (const dir of profileDirs(env)) {
    let names: string[] = [];
    try {
      names = fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
    } catch {
      continue; // a search directory that does not exist
    }
    for (const f of names) {
      const name = f.replace(/\.ya?ml$/, '');
      const file = path.join(dir, f);
      const seen = found.get(name);
      if (seen) seen.shadowed.push(file);
      else found.set(name, { name, file, shadowed: [] });
    }
  }
  return [...found.values()];
}
