import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** dx-runner as a user installs it: the package npm packs, installed globally into a folder of its own. */
describe('the installed package', () => {
  const dir = tmpDir('package');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('installs globally without the optional agent CLIs; dx-runner --version and --help run', async () => {
    // --ignore-scripts: pack the dist/ this test run built instead of rebuilding it under the other test files
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
    const [{ filename }] = JSON.parse(packed.stdout) as { filename: string }[];
    // the package as npm installs it: its files, and its production dependencies as the lock file pins them.
    // Offline, from the cache npm ci filled (a test reaches nothing beyond loopback): with the lock file npm needs
    // only the tarballs, not the registry's metadata a range would need. --ignore-scripts: better-sqlite3's would
    // fetch a prebuilt binary from outside the package registry, and neither --version nor --help opens the database.
    const pkg = path.join(dir, 'package');
    await run('tar', ['-xzf', path.join(dir, filename), '-C', dir]);
    fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(pkg, 'package-lock.json'));
    const quiet = ['--offline', '--ignore-scripts', '--no-audit', '--no-fund'];
    await run('npm', ['ci', '--omit=dev', ...quiet], { cwd: pkg });
    // then onto a PATH of its own, as npm install -g links a folder
    const prefix = path.join(dir, 'global');
    await run('npm', ['install', '-g', pkg, '--prefix', prefix, ...quiet], { cwd: dir });

    const bin = path.join(prefix, 'bin', 'dx-runner');
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await run(bin, ['--version'])).stdout.trim()).toBe(version);
    const help = (await run(bin, ['--help'])).stdout;
    for (const command of ['start', 'status', 'check', 'wave', 'bench'])
      expect(help).toMatch(new RegExp(`^  ${command} `, 'm'));

    for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'configs'])
      expect(fs.existsSync(path.join(pkg, file))).toBe(true);
    const installed = (name: string) => fs.existsSync(path.join(pkg, 'node_modules', name, 'package.json'));
    expect(installed('opencode-ai')).toBe(true);
    expect(installed('@anthropic-ai/claude-code')).toBe(false);
    expect(installed('@google/gemini-cli')).toBe(false);
  }, 600_000);
});
