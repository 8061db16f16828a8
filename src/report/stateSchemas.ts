import { z } from 'zod';
import { SEVERITIES, STATE_CHECKS } from '../store/check.js';

/** `state check --json`: the state home's findings, one per check (see src/store/check.ts) */
export const stateCheckSchema = z.object({
  home: z.string(),
  ok: z.boolean().describe('no finding is an error (warnings allowed); the exit code is 0 then, else 1'),
  findings: z.array(
    z.object({
      check: z.enum(STATE_CHECKS),
      status: z.enum(SEVERITIES),
      detail: z.string(),
      paths: z.array(z.string()).describe('the paths concerned, at most 20'),
    }),
  ),
});

/** `state backup --json`: where the copy is */
export const stateBackupSchema = z.object({ output: z.string(), bytes: z.number().int().nonnegative() });

export type StateCheckOutput = z.infer<typeof stateCheckSchema>;
export type StateBackupOutput = z.infer<typeof stateBackupSchema>;
