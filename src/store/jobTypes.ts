import type { Thresholds } from '../contract/health.js';
import type { PostJobGates } from '../contract/gates.js';
import type { SandboxRecord } from '../contract/names.js';
import type { DeliveryPolicy } from '../contract/delivery.js';

// The JSON-valued parts of a job row (the jobs table keeps each as one column).

/** The verify command's result: `skipped` when none was set or the job had failed before it. */
export interface VerifyResult {
  status: 'passed' | 'failed' | 'skipped';
  /** its output (the run folder's verify.log), null when it did not run */
  log: string | null;
  exit_code: number | null;
  timed_out: boolean;
}

/** What delivery recorded: the job's commit, its branch (null: a detached HEAD) and the verification. */
export interface DeliveryFields {
  reportedCommit: string | null;
  branch: string | null;
  verifyResult: VerifyResult | null;
}

/** Effective thresholds, fixed when the job starts and used by every later command. */
export interface JobSettings extends Thresholds {
  /** the profile the job was started with, if any */
  profile?: string;
  providerRetryLimit: number;
  /** relaunches of a rate-limited job after its provider's pause (absent in jobs started before there were any) */
  rateLimitRetries?: number;
  /** live jobs of this provider allowed at once on this host (checked atomically at launch) */
  maxParallel: number;
  gates?: PostJobGates;
  /** the filesystem sandbox the run got (absent: recorded before there was one) */
  sandbox?: SandboxRecord;
  /** how long the verify command may run */
  verifyTimeoutSec?: number;
  /** how the job's work is delivered once it succeeded (absent: it stays on its branch) */
  delivery?: DeliveryPolicy;
  /** a fleet job's run: the worker it runs for; its supervisor ends the run once that process is gone */
  fleetWorker?: FleetWorkerRef;
}

/** A process as the kernel knows it: its PID and start time (field 22 of its stat), so a reused PID is another. */
export interface FleetWorkerRef {
  pid: number;
  start: string;
}

/** The post-job gates' verdicts, by gate name. */
export type GateVerdicts = Record<string, { passed: boolean; reason_code: string; details: string }>;
