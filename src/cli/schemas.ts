import { BENCH_SCHEMAS } from '../bench/schemas.js';
import {
  checkMissingSchema,
  checkSchema,
  errorSchema,
  landSchema,
  pruneSchema,
  reportSchema,
  diffSchema,
  startPlanSchema,
  startSchema,
  statusSchema,
  stopSchema,
} from '../report/schemas.js';
import { profileShowSchema, profilesSchema } from '../report/profileSchemas.js';
import {
  fleetCapsSchema,
  fleetDoctorSchema,
  fleetJobSchema,
  fleetJobsSchema,
  fleetStatusSchema,
} from '../report/fleetSchemas.js';
import { stateBackupSchema, stateCheckSchema } from '../report/stateSchemas.js';
import { waveReportSchema, waveResumeSchema, waveStatusSchema } from '../report/waveSchemas.js';

/** Every `--json` output and benchmark file by the name `dx-runner schema <name>` prints it under, in list order. */
export const SCHEMAS = {
  status: statusSchema,
  check: checkSchema,
  'check-missing': checkMissingSchema,
  report: reportSchema,
  diff: diffSchema,
  start: startSchema,
  'start-plan': startPlanSchema,
  stop: stopSchema,
  land: landSchema,
  profiles: profilesSchema,
  'profile-show': profileShowSchema,
  prune: pruneSchema,
  error: errorSchema,
  ...BENCH_SCHEMAS,
  'wave-status': waveStatusSchema,
  'wave-report': waveReportSchema,
  'wave-resume': waveResumeSchema,
  'state-check': stateCheckSchema,
  'state-backup': stateBackupSchema,
  'fleet-job': fleetJobSchema,
  'fleet-jobs': fleetJobsSchema,
  'fleet-status': fleetStatusSchema,
  'fleet-caps': fleetCapsSchema,
  'fleet-doctor': fleetDoctorSchema,
} as const;
