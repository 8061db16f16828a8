import { z } from 'zod';
import { LANES, SANDBOX_MODES } from './names.js';

export { LANES, SANDBOX_MODES, type Lane, type SandboxMode, type SandboxRecord } from './names.js';

/** A lane as a YAML file names it (a profile's `lane:`, a wave item's `lane:`). */
export const laneSchema = z.enum(LANES);

/** A sandbox mode as a YAML file names it (a profile's `sandbox:`, a wave's or item's `sandbox:`). */
export const sandboxModeSchema = z.enum(SANDBOX_MODES);
