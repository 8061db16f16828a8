import { describe, expect, it } from 'vitest';
import { workerLost } from '../../../src/jobs/process.js';

describe("workerLost: a fleet job's run ends once its worker is gone", () => {
  const worker = { pid: 4242, start: '987654' };
  it.each([
    ['a local job (no worker) never', undefined, null, false],
    ['its worker still runs', worker, '987654', false],
    ['its worker is gone', worker, null, true],
    ['its PID now belongs to another process', worker, '999999', true],
  ])('%s', (_name, w, startNow, lost) => expect(workerLost(w, startNow)).toBe(lost));
});
