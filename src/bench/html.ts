import { cellText } from './stats.js';
import type { Results } from './schemas.js';

const esc = (s: unknown) =>
  String(s ?? '-').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const msText = (x: number | null) => (x === null ? '-' : `${Math.round(x)} ms`);

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
  const parts: string[] = [];
  rows.forEach((w, i) => {
    const y = 10 + i * rowH;
    parts.push(`<text x="0" y="${y + 20}" class="lbl">${esc(w.workflow_id)}</text>`);
    if (w.completion_latency_ms_p95 !== null) {
      parts.push(
        `<rect class="p95" data-workflow="${esc(w.workflow_id)}" x="${label}" y="${y + 4}" width="${(x(w.completion_latency_ms_p95) - label).toFixed(1)}" height="14"><title>p95 ${msText(w.completion_latency_ms_p95)}</title></rect>`,
      );
      parts.push(
        `<text x="${x(w.completion_latency_ms_p95) + 4}" y="${y + 16}" class="val">p95 ${msText(w.completion_latency_ms_p95)}</text>`,
      );
    }
    if (w.completion_latency_ms_p50 !== null) {
      parts.push(
        `<rect class="p50" data-workflow="${esc(w.workflow_id)}" x="${label}" y="${y + 20}" width="${(x(w.completion_latency_ms_p50) - label).toFixed(1)}" height="14"><title>p50 ${msText(w.completion_latency_ms_p50)}</title></rect>`,
      );
      parts.push(
        `<text x="${x(w.completion_latency_ms_p50) + 4}" y="${y + 32}" class="val">p50 ${msText(w.completion_latency_ms_p50)}</text>`,
      );
    }
    for (const rec of r.records.filter((q) => q.workflow_id === w.workflow_id && q.completion_latency_ms !== null)) {
      parts.push(
        `<circle class="${rec.success ? 'dot-ok' : 'dot-fail'}" cx="${x(rec.completion_latency_ms as number).toFixed(1)}" cy="${y + 40}" r="3"><title>${esc(rec.prompt_id)}: ${msText(rec.completion_latency_ms)}</title></circle>`,
      );
    }
  });
  parts.push(`<line x1="${label}" y1="${h - 24}" x2="${label + width}" y2="${h - 24}" class="axis"/>`);
  parts.push(
    `<text x="${label}" y="${h - 8}" class="val">0</text><text x="${label + width}" y="${h - 8}" class="val" text-anchor="end">${msText(max)}</text>`,
  );
  return `<svg id="latency-chart" role="img" aria-label="completion latency p50 and p95 per workflow" viewBox="0 0 ${label + width + 110} ${h}" width="${label + width + 110}" height="${h}">${parts.join('')}</svg>`;
}

/** The benchmark report: one self-contained HTML file (inline CSS and SVG, no external assets). */
export function reportHtml(r: Results): string {
  const wfs = r.workflows;
  const metrics = r.aggregates.by_workflow
    .map(
      (w) =>
        `<tr><td>${esc(w.workflow_id)}</td><td>${w.job_count}</td><td>${(w.success_rate * 100).toFixed(1)}%</td><td>${w.retry_count}</td><td>${msText(w.first_output_latency_ms_p50)}</td><td>${msText(w.completion_latency_ms_p50)}</td><td>${msText(w.completion_latency_ms_p95)}</td></tr>`,
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
<table id="workflow-metrics"><thead><tr><th>workflow</th><th>jobs</th><th>success</th><th>retries</th><th>first output p50</th><th>completion p50</th><th>completion p95</th></tr></thead><tbody>${metrics}</tbody></table>
<h2>Prompt × workflow</h2>
<table id="status-table"><thead><tr><th>prompt</th>${wfs.map((w) => `<th>${esc(w)}</th>`).join('')}</tr></thead><tbody>${matrix}</tbody></table>
<h2>Failure taxonomy</h2><ul id="taxonomy">${tax}</ul>
</body></html>
`;
}
