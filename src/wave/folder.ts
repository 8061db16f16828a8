import fs from 'node:fs';
import path from 'node:path';

/** A wave's folder in the dx-runner home: the environment it started with, its prompts, its driver's log. */
export const waveDir = (home: string, id: number) => path.join(home, 'waves', String(id));

/** Keeps the environment the wave is started with: its jobs run with it, whoever resumes the wave later. */
export function saveWaveEnv(home: string, id: number, env: NodeJS.ProcessEnv): void {
  fs.mkdirSync(waveDir(home, id), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(waveDir(home, id), 'env.json'), JSON.stringify(env), { mode: 0o600 });
}

/** The environment the wave was started with, else ours. */
export function waveEnv(home: string, id: number): NodeJS.ProcessEnv {
  try {
    return JSON.parse(fs.readFileSync(path.join(waveDir(home, id), 'env.json'), 'utf8')) as NodeJS.ProcessEnv;
  } catch {
    return process.env;
  }
}
