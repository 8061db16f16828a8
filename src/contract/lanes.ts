import { z } from 'zod';
import { LANES } from './names.js';

export { LANES, type Lane } from './names.js';

/** A lane as a YAML file names it (a profile's `lane:`, a wave item's `lane:`). */
export const laneSchema = z.enum(LANES);
