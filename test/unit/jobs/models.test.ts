import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/core/time.js';
import {
  cacheAction,
  MAX_AGE_MS,
  REFRESH_AFTER_MS,
  usableListing,
  type CachedModels,
  oneListingAtATime,
} from '../../../src/jobs/models.js';

const NOW = 1_800_000_000_000;
const KEY = '["/bin/opencode","/cfg/opencode.json",1]';
const listed = (ageMs: number, key = KEY): CachedModels => ({ key, at: NOW - ageMs, models: ['a/b'] });

describe('cacheAction: what a start does with the model-list cache', () => {
  it.each([
    ['no list yet: list first, saying it is the first start', null, { use: false, why: 'first start on this host' }],
    ['a fresh list: use it', listed(60_000), { use: true, refresh: false }],
    [
      'a list about to age: use it, refresh it in the background',
      listed(REFRESH_AFTER_MS + 1),
      { use: true, refresh: true },
    ],
    ['an hour old: still used while the refresh runs', listed(60 * 60_000), { use: true, refresh: true }],
    ['over a day old: list first', listed(MAX_AGE_MS + 1), { use: false, why: 'the last list is over a day old' }],
    [
      'another binary or config: list first',
      listed(1000, '["/other/opencode","",0]'),
      { use: false, why: 'the binary or its config changed' },
    ],
  ])('%s', (_name, cached, expected) => {
    expect(cacheAction(cached, KEY, NOW)).toEqual(expected);
  });
});

describe('usableListing: a listing start decides on (and caches)', () => {
  it.each([
    ['models: kept', ['a/b'], ['a/b']],
    ['failed or timed out: unknown, not cached, listed again', null, null],
    ['empty (a listing cut short): unknown too', [], null],
  ])('%s', (_name, listed, expected) => {
    expect(usableListing(listed)).toEqual(expected);
  });
});

describe('oneListingAtATime: starts launched together share one listing', () => {
  it('the second start takes the first listing; after a failed one, the next lists', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dx-models-')), 'cache', 'opencode.json');
    let listings = 0;
    const listAndCache = (models: string[] | null) => async () => {
      listings++;
      await sleep(300);
      if (models) fs.writeFileSync(file, JSON.stringify({ key: 'k', at: Date.now(), models }));
      return models;
    };
    const [first, second] = await Promise.all([
      oneListingAtATime(file, 'k', 'opencode', listAndCache(['a/b'])),
      (async () => {
        await sleep(50);
        return oneListingAtATime(file, 'k', 'opencode', listAndCache(['never'])); // must not run
      })(),
    ]);
    expect({ first, second, listings }).toEqual({ first: ['a/b'], second: ['a/b'], listings: 1 });

    fs.rmSync(file);
    const after = await Promise.all([
      oneListingAtATime(file, 'k2', 'opencode', listAndCache(null)), // fails: nothing cached
      (async () => {
        await sleep(50);
        return oneListingAtATime(file, 'k2', 'opencode', listAndCache(['c/d']));
      })(),
    ]);
    expect({ after, listings }).toEqual({ after: [null, ['c/d']], listings: 3 });
  });
});
