import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import { errorOf, refusalOf } from '../../../src/fleet/launcher.js';

describe('the launcher protocol: a start that failed, across the pipe', () => {
  it.each([
    [
      new DxError('fleet_repo_unreachable', 'cannot fetch main from /x.git: gone; check --repo'),
      { reason_code: 'fleet_repo_unreachable', message: 'cannot fetch main from /x.git: gone; check --repo' },
    ],
    [
      new Error('SQLITE_CORRUPT: database disk image is malformed\n    at Store.open'),
      {
        reason_code: 'internal_error',
        message: 'the local start failed: SQLITE_CORRUPT: database disk image is malformed',
      },
    ],
    ['a thrown string', { reason_code: 'internal_error', message: 'the local start failed: a thrown string' }],
  ])('%s is answered as %j', (thrown, answer) => {
    expect(errorOf(thrown)).toEqual(answer);
  });

  it.each([
    [{ reason_code: 'model_unavailable', message: 'm' }, 'model_unavailable', 'provider'],
    [{ reason_code: 'fleet_repo_unreachable', message: 'm' }, 'fleet_repo_unreachable', 'environment'],
    [{ reason_code: 'no_such_reason', message: 'm' }, 'internal_error', 'internal'],
  ])('the answer %j comes back as %s (%s)', (error, reasonCode, kind) => {
    const e = refusalOf(error);
    expect(e).toBeInstanceOf(DxError);
    expect(e).toMatchObject({ reasonCode, kind, message: 'm' });
  });
});
