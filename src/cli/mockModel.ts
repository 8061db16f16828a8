import { Command } from 'commander';
import { DxError } from '../core/errors.js';
import { parseNumber } from '../core/input.js';

/** 0: any free port */
const port = (v: string) => parseNumber('--port', v, { integer: true, min: 0, max: 65_535 });

/** A value as the shell reads it back: quoted when it holds anything but plain path characters. */
const shellWord = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

const printExports = (vars: Record<string, string>) =>
  process.stdout.write(
    Object.entries(vars)
      .map(([k, v]) => `export ${k}=${shellWord(v)}\n`)
      .join(''),
  );

export function registerMockModelCommands(program: Command): void {
  const mock = program
    .command('mock-model')
    .description('the scripted model server that tests, the demo and benchmarks run against (loopback only)');

  mock
    .command('serve')
    .description('serve the scripted model on 127.0.0.1 until interrupted')
    .option('--port <n>', 'port (0 = any free port)', port, 4099)
    .option('--script <directives>', "directives for every request, e.g. '@mock fail 404' (\\n between several)")
    .action(async (o: { port: number; script?: string }) => {
      const { startMockModel } = await import('../model-mock/index.js');
      const server = await startMockModel({ port: o.port, script: o.script?.replace(/\\n/g, '\n') });
      process.stdout.write(
        `mock-model listening on ${server.url} (OpenAI API at ${server.url}/v1, Anthropic Messages API at ` +
          `${server.url}/v1/messages, Gemini API at ${server.url}/v1beta)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  mock
    .command('start')
    .description(
      'serve the scripted model in the background for this DX_RUNNER_HOME (or find the one already served); ' +
        'eval "$(dx-runner mock-model start --print-env)" also points opencode at it',
    )
    .option('--port <n>', 'port (0 = any free port)', port, 0)
    .option('--print-env', 'print the export lines for OpenCode (OPENCODE_CONFIG, …) on stdout, the rest on stderr')
    .action(async (o: { port: number; printEnv?: boolean }) => {
      const { mockEnv, startBackgroundMock } = await import('../model-mock/background.js');
      const { runnerHome } = await import('../core/home.js');
      const home = runnerHome();
      const served = await startBackgroundMock(home, o.port);
      const line = `scripted model on ${served.url} (pid ${served.pid}); stop it with: dx-runner mock-model stop\n`;
      if (!o.printEnv) return void process.stdout.write(line);
      process.stderr.write(line);
      printExports(mockEnv(home));
    });

  mock
    .command('stop')
    .description('end the scripted model mock-model start serves for this DX_RUNNER_HOME')
    .action(async () => {
      const { stopBackgroundMock } = await import('../model-mock/background.js');
      const { runnerHome } = await import('../core/home.js');
      const stopped = await stopBackgroundMock(runnerHome());
      process.stdout.write(
        stopped ? `stopped the scripted model (pid ${stopped.pid})\n` : 'no scripted model running\n',
      );
    });

  program
    .command('__mock-model', { hidden: true })
    .argument('<port>')
    .action(async (p: string) => {
      const { serveInBackground } = await import('../model-mock/background.js');
      const { runnerHome } = await import('../core/home.js');
      await serveInBackground(runnerHome(), Number(p));
    });

  mock
    .command('opencode-config')
    .description('print the opencode.json that points zhipuai-coding-plan/glm-5 at the scripted model')
    .option('--port <n>', 'port the mock serves on', port, 4099)
    .action(async (o: { port: number }) => {
      const { opencodeConfig } = await import('../model-mock/index.js');
      process.stdout.write(`${JSON.stringify(opencodeConfig(`http://127.0.0.1:${o.port}`), null, 2)}\n`);
    });

  mock
    .command('claude-env')
    .description('print the export lines that point cc-glm (or claude-code) at the scripted model')
    .option('--port <n>', 'port the mock serves on', port, 4099)
    .option('--provider <name>', 'cc-glm or claude-code', 'cc-glm')
    .action(async (o: { port: number; provider: string }) => {
      if (o.provider !== 'cc-glm' && o.provider !== 'claude-code')
        throw new DxError('invalid_provider', `--provider takes cc-glm or claude-code, got '${o.provider}'`);
      const { claudeEnv } = await import('../model-mock/index.js');
      printExports(claudeEnv(`http://127.0.0.1:${o.port}`, o.provider));
    });

  mock
    .command('gemini-env')
    .description(
      'print the export lines that point the gemini provider at the scripted model ' +
        '(eval "$(dx-runner mock-model gemini-env)")',
    )
    .option('--port <n>', 'port the mock serves on', port, 4099)
    .action(async (o: { port: number }) => {
      const { geminiEnv } = await import('../model-mock/index.js');
      printExports(geminiEnv(`http://127.0.0.1:${o.port}`));
    });
}
