import type { GovernanceReport, PhaseRecord } from './schemas.js';

const gate = (name: string, g: GovernanceReport['baseline_gate']) =>
  g ? [`${name}: ${g.passed ? 'passed' : 'FAILED'} (${g.reason_code})`] : [];

/** `bench governed` for a human: the verdict first, then every preflight warning or error, the gates and files. */
export function governanceText(r: GovernanceReport): string {
  const findings = (r.preflight?.providers ?? []).flatMap((p) =>
    p.findings
      .filter((f) => f.status !== 'ok')
      .map((f) => `preflight ${p.provider}: ${f.status} ${f.code}: ${f.detail} (next: ${f.next_action})`),
  );
  const files = [r.report_html, r.summary_md, r.summary_json].filter((f): f is string => f !== null);
  return [
    `${r.passed ? 'PASSED' : 'FAILED'} (${r.reason_code}): run ${r.run_id}, ${r.workflows.join(', ')}`,
    ...findings,
    ...gate('baseline gate', r.baseline_gate),
    ...gate('integrity gate', r.integrity_gate),
    ...(r.launch
      ? [`records: ${r.launch.record_count}${r.launch.error ? `; launch error: ${r.launch.error}` : ''}`]
      : []),
    `run folder: ${r.run_dir}`,
    ...files.map((f) => `  ${f}`),
  ].join('\n');
}

/** `bench progressive` for a human: the phase's verdict and rate, then its run's report. */
export function phaseText(p: PhaseRecord): string {
  const rate = p.success_rate === null ? '-' : `${(p.success_rate * 100).toFixed(1)}%`;
  return [
    `${p.phase}: ${p.passed ? 'PASSED' : 'FAILED'} (${p.reason_code}); success ${rate}, ` +
      `needs ${(p.min_success_rate * 100).toFixed(1)}%${p.details ? `; ${p.details}` : ''}`,
    ...(p.governance ? [governanceText(p.governance)] : []),
  ].join('\n');
}
