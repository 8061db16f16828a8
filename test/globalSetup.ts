import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { opencodeConfig } from '../src/model-mock/index.js';
import { resolveOpencodeBinary } from '../src/providers/opencode.js';
import { CLI, xdgEnv } from './testEnv.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** what `opencode models` lists under the test config, listed once per run; empty if that failed */
    opencodeModels: string[];
  }
}

/**
 * Lists opencode's models once for the whole run. Each sandbox then starts with that list in its cache, as an
 * operator's home has after its first start: a listing costs a minute on a loaded two-core host, and every test
 * file would otherwise pay it. Tests of the first start use a home of their own, with no cache.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dx-models-'));
  const config = path.join(home, 'opencode.json');
  // the URL is never called: listing reads the config's providers, it does not ask the model
  fs.writeFileSync(config, JSON.stringify(opencodeConfig('http://127.0.0.1:9')));
  const env = {
    ...process.env,
    ...xdgEnv(),
    DX_RUNNER_HOME: home,
    OPENCODE_CONFIG: config,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
  };
  const list = () => promisify(execFile)(process.execPath, [CLI, '__list-models', 'opencode', binary], { env });
  const binary = resolveOpencodeBinary(undefined, env);
  const file = path.join(home, 'cache', 'opencode-models.json');
  // a listing cut short on a loaded host writes nothing: once more, then the sandboxes list for themselves
  for (let tries = 0; tries < 2 && !fs.existsSync(file); tries++) await list().catch(() => undefined);
  const models = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { models: string[] }).models : [];
  project.provide('opencodeModels', models);
  return () => fs.rmSync(home, { recursive: true, force: true });
}
