import { cellText } from './stats.js';
import type { Results } from './schemas.js';

const esc = (s: unknown) =>
  String(s ?? '-').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const msText = (x: number | null) => (x === null ? '-' : `${Math.round(x)} ms`);
const cells = (tag: 'td' | 'th', values: Array<string | number>) => values.map((v) => `<${tag}>${v}</${tag}>`).join('');

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
      `width="${(x(v) - label).toFixed(1)}" height="14"><title>${stat} ${msText(v)}</title></rect>`,
    `<text x="${x(v) + 4}" y="${top + 12}" class="val">${stat} ${msText(v)}</text>`,
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
      parts.push(
        `<circle class="${rec.success ? 'dot-ok' : 'dot-fail'}" cx="${cx}" cy="${y + 40}" r="3">` +
          `<title>${esc(rec.prompt_id)}: ${msText(rec.completion_latency_ms)}</title></circle>`,
      );
    }
  });
  parts.push(`<line x1="${label}" y1="${h - 24}" x2="${label + width}" y2="${h - 24}" class="axis"/>`);
  parts.push(
    `<text x="${label}" y="${h - 8}" class="val">0</text>` +
      `<text x="${label + width}" y="${h - 8}" class="val" text-anchor="end">${msText(max)}</text>`,
  );
  const svgWidth = label + width + 110;
  return (
    '<svg id="latency-chart" role="img" aria-label="completion latency p50 and p95 per workflow" ' +
    `viewBox="0 0 ${svgWidth} ${h}" width="${svgWidth}" height="${h}">${parts.join('')}</svg>`
  );
}

/** The benchmark report: one self-contained HTML file (inline CSS and SVG, no external assets). */
export function reportHtml(r: Results): string {
  const wfs = r.workflows;
  const metrics = r.aggregates.by_workflow
    .map(
      (w) =>
        `<tr>${cells('td', [
          esc(w.workflow_id),
          w.job_count,
          `${(w.success_rate * 100).toFixed(1)}%`,
          w.retry_count,
          msText(w.first_output_latency_ms_p50),
          msText(w.completion_latency_ms_p50),
          msText(w.completion_latency_ms_p95),
        ])}</tr>`,
    )
    .join('');
  const matrix = r.aggregates.prompt_matrix
    .map(
      (row) =>
        `<tr><td>${esc(row.prompt_id)}</td>${wfs
          .map((w) => {
            const c = row.workflows[w] ?? null;
            const cls = c === null ? 'none' : c.success ? 'ok' : 'fail';
            return `<td class="${cls}" title="${esc(c?.failure_reason ?? '')}">${esc(cellText(c))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const tax =
    Object.entries(r.aggregates.failure_taxonomy.reason_counts)
      .map(([k, n]) => `<li>${esc(k)}: ${n}</li>`)
      .join('') || '<li>none</li>';
  const metricsHead = cells('th', [
    'workflow',
    'jobs',
    'success',
    'retries',
    'first output p50',
    'completion p50',
    'completion p95',
  ]);
  const matrixHead = cells('th', ['prompt', ...wfs.map(esc)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Benchmark ${esc(r.run_id)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}th,td{border:1px solid #ccd;padding:4px 10px;text-align:left}
th{background:#eef}td.ok{background:#dff5e1}td.fail{background:#fbdede}td.none{color:#999}
.p50{fill:#3a7bd5}.p95{fill:#a9c4ee}.dot-ok{fill:#2e8b57}.dot-fail{fill:#c0392b}
.lbl{font-size:13px;fill:#1d2330}.val{font-size:11px;fill:#556}.axis{stroke:#889}
</style></head><body>
<h1>Benchmark ${esc(r.run_id)}</h1>
<p>${r.record_count} jobs · generated ${esc(r.generated_at)}</p>
<h2>Completion latency per workflow (p50, p95; dots: each job)</h2>
${latencyChart(r)}
<h2>Workflow metrics</h2>
<table id="workflow-metrics"><thead><tr>${metricsHead}</tr></thead><tbody>${metrics}</tbody></table>
<h2>Prompt × workflow</h2>
<table id="status-table"><thead><tr>${matrixHead}</tr></thead><tbody>${matrix}</tbody></table>
<h2>Failure taxonomy</h2><ul id="taxonomy">${tax}</ul>
</body></html>
`;
}
