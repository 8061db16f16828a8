import { formatDuration } from '../core/duration.js';
import { cells, esc, fileLink, htmlPage } from '../core/html.js';
import type { GovernanceReport, Results } from './schemas.js';

const dur = (x: number | null) => (x === null ? '-' : formatDuration(x));

/** What the report says beyond the results: the governed run's verdict, and where the run folder is. */
export interface ReportContext {
  /** the governed run's verdict; null when the report was made from results alone (`bench summarize`) */
  governance: GovernanceReport | null;
  /** the run folder as a link relative to the report's own folder (`..` for collected/report.html) */
  runHref: string;
}

/**
 * Every warning of a governed run, one line each: a skipped preflight, preflight findings that are not ok,
 * failed gates, a launch error. (A dry run skips preflight by design: its banner says enough.)
 */
export function benchWarnings(g: GovernanceReport | null, dryRun: boolean): string[] {
  if (!g) return [];
  const out: string[] = [];
  if (!g.preflight && !dryRun) out.push('preflight skipped (--skip-preflight): no provider was checked before the run');
  for (const p of g.preflight?.providers ?? [])
    for (const f of p.findings.filter((x) => x.status !== 'ok'))
      out.push(
        `preflight ${p.provider}/${p.model} ${f.check}: ${f.status} ${f.code} (${f.detail}; next: ${f.next_action})`,
      );
  for (const [name, gate] of [
    ['baseline gate', g.baseline_gate],
    ['integrity gate', g.integrity_gate],
  ] as const)
    if (gate && !gate.passed) out.push(`${name}: ${gate.reason_code} (${gate.details})`);
  if (g.launch?.error) out.push(`launch: ${g.launch.error}`);
  return out;
}

/** The banner at the top: a dry run never reads as passed; a report without a governed run says so. */
function verdictBanner(dryRun: boolean, g: GovernanceReport | null): string {
  const outcome = g ? ` — ${esc(g.reason_code)}, exit code ${g.exit_code}` : '';
  if (dryRun)
    return (
      '<div id="dry-run-banner" class="banner dry">DRY RUN: simulated attempts, no agent was launched; ' +
      'these figures are made up to try the pipeline and prove nothing.</div>' +
      `<div id="verdict" class="banner dry" data-verdict="simulated">Verdict: SIMULATED${outcome}</div>`
    );
  if (!g)
    return (
      '<div id="verdict" class="banner warn" data-verdict="none">No verdict: this report was made from results ' +
      'alone (bench summarize); bench governed gives the verdict.</div>'
    );
  const word = g.passed ? 'passed' : 'failed';
  return (
    `<div id="verdict" class="banner ${g.passed ? 'pass' : 'fail'}" data-verdict="${word}">` +
    `Verdict: ${word.toUpperCase()}${outcome}</div>`
  );
}

/**
 * Per-workflow completion latency: p50 and p95 bars over every job's latency as a dot, one row per
 * workflow, on a shared scale. Plain SVG: the report opens offline, anywhere.
 */
function latencyChart(r: Results): string {
  const rows = r.aggregates.by_workflow;
  const all = r.records.map((x) => x.completion_latency_ms ?? 0);
  const max = Math.max(1, ...all, ...rows.map((w) => w.completion_latency_ms_p95 ?? 0));
  const label = 230;
  const width = 520;
  const rowH = 46;
  const h = rows.length * rowH + 40;
  const x = (v: number) => label + (v / max) * width;
  /** A bar from the axis to `v`, named by its statistic, with the value after its end; `top` is its y. */
  const bar = (stat: 'p50' | 'p95', workflow: string, top: number, v: number) => [
    `<rect class="${stat}" data-workflow="${esc(workflow)}" x="${label}" y="${top}" ` +
      `width="${(x(v) - label).toFixed(1)}" height="14"><title>${stat} ${dur(v)}</title></rect>`,
    `<text x="${x(v) + 4}" y="${top + 12}" class="val">${stat} ${dur(v)}</text>`,
  ];
  const parts: string[] = [];
  rows.forEach((w, i) => {
    const y = 10 + i * rowH;
    parts.push(`<text x="0" y="${y + 20}" class="lbl">${esc(w.workflow_id)}</text>`);
    if (w.completion_latency_ms_p95 !== null)
      parts.push(...bar('p95', w.workflow_id, y + 4, w.completion_latency_ms_p95));
    if (w.completion_latency_ms_p50 !== null)
      parts.push(...bar('p50', w.workflow_id, y + 20, w.completion_latency_ms_p50));
    for (const rec of r.records.filter((q) => q.workflow_id === w.workflow_id && q.completion_latency_ms !== null)) {
      const cx = x(rec.completion_latency_ms as number).toFixed(1);
      const dot = rec.success ? (r.dry_run ? 'dot-sim' : 'dot-ok') : 'dot-fail';
      parts.push(
        `<circle class="${dot}" cx="${cx}" cy="${y + 40}" r="3">` +
          `<title>${esc(rec.prompt_id)}: ${dur(rec.completion_latency_ms)}</title></circle>`,
      );
    }
  });
  parts.push(`<line x1="${label}" y1="${h - 24}" x2="${label + width}" y2="${h - 24}" class="axis"/>`);
  parts.push(
    `<text x="${label}" y="${h - 8}" class="val">0</text>` +
      `<text x="${label + width}" y="${h - 8}" class="val" text-anchor="end">${dur(max)}</text>`,
  );
  const svgWidth = label + width + 110;
  return (
    '<svg id="latency-chart" role="img" aria-label="completion latency p50 and p95 per workflow" ' +
    `viewBox="0 0 ${svgWidth} ${h}" width="${svgWidth}" height="${h}">${parts.join('')}</svg>`
  );
}

/** Workflow metrics with the tokens every attempt used (retries cost tokens too). */
function metricsTable(r: Results): string {
  const head = cells('th', [
    'workflow',
    'jobs',
    'success',
    'retries',
    'first output p50',
    'completion p50',
    'completion p95',
    'tokens in',
    'tokens out',
    'cost',
  ]);
  const rows = r.aggregates.by_workflow.map((w) => {
    const attempts = r.records.filter((x) => x.workflow_id === w.workflow_id).flatMap((x) => x.attempts);
    const sum = (k: 'tokens_in' | 'tokens_out') => attempts.reduce((n, a) => n + a[k], 0);
    return `<tr data-workflow="${esc(w.workflow_id)}">${cells('td', [
      esc(w.workflow_id),
      w.job_count,
      `${(w.success_rate * 100).toFixed(1)}%`,
      w.retry_count,
      dur(w.first_output_latency_ms_p50),
      dur(w.completion_latency_ms_p50),
      dur(w.completion_latency_ms_p95),
      sum('tokens_in'),
      sum('tokens_out'),
      'not known',
    ])}</tr>`;
  });
  return (
    `<table id="workflow-metrics"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>` +
    '<p class="note">Tokens are summed over every attempt. Cost is not known: dx-runner keeps no price per ' +
    'model, and a guess would mislead.</p>'
  );
}

/** Every attempt of every job, with links to its logs in the run folder. */
function attemptsTable(r: Results, runHref: string): string {
  const head = cells('th', ['workflow', 'prompt', 'attempt', 'state', 'reason', 'duration', 'tokens in/out', 'logs']);
  const log = (f: string | null, name: string) => fileLink(f === null ? null : `${runHref}/${f}`, name);
  const rows = r.records.flatMap((rec) =>
    rec.attempts.map(
      (a) =>
        `<tr class="${a.success ? 'ok' : 'fail'}">${cells('td', [
          esc(rec.workflow_id),
          esc(rec.prompt_id),
          a.attempt,
          esc(a.state),
          esc(a.reason_code),
          dur(a.completion_latency_ms),
          `${a.tokens_in} / ${a.tokens_out}`,
          a.stdout_log === null && a.stderr_log === null
            ? '-'
            : `${log(a.stdout_log, 'stdout')} · ${log(a.stderr_log, 'stderr')}`,
        ])}</tr>`,
    ),
  );
  return `<table id="attempts"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `td.ok{background:#dff5e1}td.fail{background:#fbdede}td.none{color:#999}td.sim{background:#eee}
tr.fail td{color:#8b1a1a}
.p50{fill:#3a7bd5}.p95{fill:#a9c4ee}.dot-ok{fill:#2e8b57}.dot-fail{fill:#c0392b}.dot-sim{fill:#999}
.lbl{font-size:13px;fill:#1d2330}.val{font-size:11px;fill:#556}.axis{stroke:#889}.note{color:#556}`;

/** The benchmark report: one self-contained HTML file (inline CSS and SVG, no external assets). */
export function reportHtml(r: Results, ctx: ReportContext): string {
  const wfs = r.workflows;
  const matrix = r.aggregates.prompt_matrix
    .map(
      (row) =>
        `<tr><td>${esc(row.prompt_id)}</td>${wfs
          .map((w) => {
            const c = row.workflows[w] ?? null;
            // a simulated success is grey: nothing in a dry run may look like a real pass
            const cls = c === null ? 'none' : c.success ? (r.dry_run ? 'sim' : 'ok') : 'fail';
            const sim = r.dry_run ? 'simulated ' : '';
            const text = !c
              ? '-'
              : `${sim}${c.success ? `ok (${dur(c.completion_latency_ms)})` : `fail:${c.failure_category}`}`;
            return `<td class="${cls}" title="${esc(c?.failure_reason ?? '')}">${esc(text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const tax =
    Object.entries(r.aggregates.failure_taxonomy.reason_counts)
      .map(([k, n]) => `<li>${esc(k)}: ${n}</li>`)
      .join('') || '<li>none</li>';
  const matrixHead = cells('th', ['prompt', ...wfs.map(esc)]);
  const warnings = benchWarnings(ctx.governance, r.dry_run);
  const warningList = warnings.length
    ? `<ul id="warnings" class="banner warn">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
    : '';
  const title = `${r.dry_run ? 'DRY RUN · ' : ''}Benchmark ${r.run_id}`;
  return htmlPage(
    title,
    CSS,
    `<h1>${esc(title)}</h1>
${verdictBanner(r.dry_run, ctx.governance)}
${warningList}
<p>${r.record_count} jobs · generated ${esc(r.generated_at)}</p>
<h2>Completion latency per workflow (p50, p95; dots: each job)</h2>
${latencyChart(r)}
<h2>Workflow metrics</h2>
${metricsTable(r)}
<h2>Prompt × workflow</h2>
<table id="status-table"><thead><tr>${matrixHead}</tr></thead><tbody>${matrix}</tbody></table>
<h2>Attempts</h2>
${attemptsTable(r, ctx.runHref)}
<h2>Failure taxonomy</h2><ul id="taxonomy">${tax}</ul>`,
  );
}
