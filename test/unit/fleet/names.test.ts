import { describe, expect, it } from 'vitest';
import { DxError } from '../../../src/core/errors.js';
import {
  checkBranchPrefix,
  checkHostId,
  fleetBranch,
  fleetJobId,
  hostQueue,
  parseRate,
  providerQueue,
} from '../../../src/fleet/names.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof DxError ? e.reasonCode : 'not a DxError';
  }
  return null;
};

describe('the fleet names', () => {
  it.each([
    ['a provider queue', providerQueue('opencode'), 'provider-opencode'],
    ["a host's pinned queue", hostQueue('gpu-1'), 'host-gpu-1'],
    ['a job id from a bead id (never an integer, no colon)', fleetJobId('bd-xga8.14'), 'bead-bd-xga8.14'],
    ['a numeric bead id still makes a non-integer job id', fleetJobId('42'), 'bead-42'],
    ["an attempt's branch", fleetBranch('fleet', 'bd-a1', 2), 'fleet/bd-a1/a2'],
  ])('%s', (_name, got, want) => expect(got).toBe(want));
});

describe('checkBranchPrefix: fleet branches never share a prefix with local jobs', () => {
  it.each([
    ['the fleet default', 'fleet', null],
    ['another name', 'team-x', null],
    ["the local jobs' prefix: dx/bd-x and dx/bd-x/a1 cannot both exist", 'dx', 'invalid_argument'],
    ['a slash would nest branches', 'a/b', 'invalid_argument'],
    ['empty', '', 'invalid_argument'],
  ])('%s', (_name, prefix, reason) => expect(refusal(() => checkBranchPrefix(prefix, 'dx'))).toBe(reason));
});

describe('checkHostId', () => {
  it.each([
    ['a plain id', 'host-a', null],
    ['dots and digits', 'gpu1.eu', null],
    ['a colon would split a Redis key', 'a:b', 'invalid_argument'],
    ['a space', 'a b', 'invalid_argument'],
    ['a leading dash', '-a', 'invalid_argument'],
  ])('%s', (_name, id, reason) => expect(refusal(() => checkHostId(id))).toBe(reason));
});

describe('parseRate: N/<sec>s', () => {
  it.each([
    ['ten a minute', '10/60s', { max: 10, durationMs: 60_000 }],
    ['one a second', '1/1s', { max: 1, durationMs: 1000 }],
  ])('%s', (_name, text, want) => expect(parseRate(text)).toEqual(want));
  it.each([
    ['no unit', '10/60'],
    ['zero jobs', '0/60s'],
    ['zero seconds', '5/0s'],
    ['minutes are not taken', '10/1m'],
    ['words', 'fast'],
  ])('refuses %s', (_name, text) => expect(refusal(() => parseRate(text))).toBe('invalid_argument'));
});
