import { z } from 'zod';

/**
 * How a provider's CLI runs a job. headless: the CLI alone; attach: the CLI as a client of a shared server;
 * server: a session driven over HTTP. A provider lists the ones it supports (`ProviderAdapter.lanes`).
 */
export const LANES = ['headless', 'attach', 'server'] as const;

export type Lane = (typeof LANES)[number];

/** A lane as a YAML file names it (a profile's `lane:`, a wave item's `lane:`). */
export const laneSchema = z.enum(LANES);
