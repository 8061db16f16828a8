import { describe, expect, it } from 'vitest';
import { openStore, tempHome } from './temp.js';

const serve = { hostname: '127.0.0.1', port: 4096, binary: '/usr/bin/opencode', startedAt: 1_700_000_000_000 };

describe('the managed server', () => {
  it('one active server at most: a second is refused until the first ends', () => {
    const home = tempHome();
    const [a, b] = [openStore(home), openStore(home)];
    const first = a.servers.insert(serve);
    expect(() => b.servers.insert({ ...serve, port: 4097 })).toThrow(/UNIQUE constraint failed/);
    a.servers.end(first);
    const second = b.servers.insert({ ...serve, port: 4097 });
    expect(a.servers.active()?.id).toBe(second);
    expect(a.servers.get(first)).toMatchObject({ active: false, stoppedAt: expect.any(Number) });
  });

  it('keeper and restarts are recorded; after a stop the last server is still shown', () => {
    const store = openStore();
    const id = store.servers.insert(serve);
    store.servers.setKeeper(id, 10, '99');
    store.servers.setPid(id, 11, false);
    store.servers.setPid(id, 12, true);
    store.servers.end(id);
    expect(store.servers.active()).toBeNull();
    expect(store.servers.latest()).toMatchObject({ id, keeperPid: 10, keeperStart: '99', pid: 12, restarts: 1 });
  });
});
