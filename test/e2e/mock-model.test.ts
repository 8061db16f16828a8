import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { agentChat, CLI } from '../helpers.js';

describe('the scripted model server', () => {
  it('ends on SIGTERM while a stall is pending: the stalled request is cut, not answered', async () => {
    const server = spawn(process.execPath, [CLI, 'mock-model', 'serve', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(server, 'exit');
    const [line] = (await once(server.stdout, 'data')) as [Buffer];
    const url = /listening on (\S+)/.exec(line.toString())?.[1];
    expect(url).toBeDefined();
    // an agent's request (it offers tools) that the script holds for five minutes before answering
    const stalled = agentChat(url as string, 'Wait.\n@mock stall 300').then(
      (r) => r.text(),
      (e: Error) => e,
    );
    // answered after the stalled request was sent: the server has it in hand
    expect((await fetch(`${url}/v1/models`)).status).toBe(200);

    server.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(await stalled).toBeInstanceOf(Error);
  });
});
