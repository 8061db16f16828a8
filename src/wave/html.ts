import { formatDuration } from '../core/duration.js';
import { cells, esc, htmlPage } from '../core/html.js';
import type { DiffStat } from '../governance/git.js';
import type { WaveReportOutput } from '../report/waveSchemas.js';

/** What an item's worktree holds at report time, read with git (the edge): its base, commit and diff. */
export interface ItemDelivery {
  /** the commit its first job started from */
  base: string | null;
  /** the worktree's HEAD when it moved past the base (the item committed), else null */
  commit: string | null;
  /** the worktree against the base, untracked files included; null when it could not be read */
  diff: DiffStat | null;
}

/** The wave report page's data: the wave's record, each item's delivery (by bead), each provider's cap. */
export interface WaveHtmlInput {
  report: WaveReportOutput;
  delivery: Record<string, ItemDelivery>;
  /** the cap of live jobs per provider its jobs ran under */
  caps: Record<string, number>;
  /** when the report was made (ISO): the end of a job still running */
  generatedAt: string;
}

/** Pure: how many of the intervals run at each moment, as the steps of a line (`[t, n]`, from 0 back to 0). */
export function concurrencySteps(intervals: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const edges = intervals.flatMap(([s, e]) => [[s, 1] as const, [Math.max(s, e), -1] as const]);
  // at the same moment an end goes before a start: a slot freed and taken again is not two at once
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const steps: Array<[number, number]> = [];
  let n = 0;
  for (const [t, d] of edges) {
    n += d;
    if (steps.length && steps[steps.length - 1][0] === t) steps[steps.length - 1][1] = n;
    else steps.push([t, n]);
  }
  return steps;
}

export const diffText = (d: DiffStat | null) =>
  d === null ? '-' : `${d.files} file${d.files === 1 ? '' : 's'}, +${d.insertions} −${d.deletions}`;

interface Bar {
  beads: string;
  attempt: number;
  provider: string;
  state: string;
  start: number;
  end: number;
  open: boolean;
}

/** The wave's jobs on one time axis (one bar each), and below them the live jobs per provider against its cap. */
export function timelineSvg(input: WaveHtmlInput): string {
  const r = input.report;
  const now = Date.parse(input.generatedAt);
  const bars: Bar[] = r.items.flatMap((it) =>
    it.runs.map((run, i) => ({
      beads: it.beads,
      attempt: i + 1,
      provider: run.provider,
      state: run.state,
      start: Date.parse(run.started_at),
      end: run.completed_at === null ? now : Date.parse(run.completed_at),
      open: run.completed_at === null,
    })),
  );
  const t0 = Math.min(Date.parse(r.created_at), ...bars.map((b) => b.start));
  const t1 = Math.max(t0 + 1000, r.ended_at ? Date.parse(r.ended_at) : now, ...bars.map((b) => b.end));
  const [label, width, rowH] = [200, 640, 18];
  const x = (t: number) => (label + ((t - t0) / (t1 - t0)) * width).toFixed(1);
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const y = 8 + i * rowH;
    const cls = b.open ? 'open' : b.state === 'exited_ok' ? 'ok' : 'bad';
    const tip = `${b.beads} #${b.attempt} ${b.provider} ${b.state} ${formatDuration(b.end - b.start)}`;
    parts.push(
      `<text x="0" y="${y + 12}" class="lbl">${esc(b.beads)}${b.attempt > 1 ? ` #${b.attempt}` : ''}</text>`,
      `<rect class="job ${cls}" data-beads="${esc(b.beads)}" data-provider="${esc(b.provider)}" x="${x(b.start)}" ` +
        `y="${y}" width="${Math.max(2, Number(x(b.end)) - Number(x(b.start))).toFixed(1)}" height="${rowH - 5}">` +
        `<title>${esc(tip)}</title></rect>`,
    );
  });
  // below the bars: per provider, its live jobs over time (a step line) and its cap (a dashed line)
  const providers = [...new Set([...bars.map((b) => b.provider), ...Object.keys(input.caps)])].sort();
  const top = 16 + bars.length * rowH;
  const live = providers.map((p) =>
    concurrencySteps(bars.filter((b) => b.provider === p).map((b) => [b.start, b.end] as const)),
  );
  const levels = Math.max(1, ...providers.map((p) => input.caps[p] ?? 0), ...live.flat().map(([, n]) => n));
  const plotH = 24 * levels;
  const y = (n: number) => (top + plotH - (n / levels) * plotH).toFixed(1);
  providers.forEach((p, i) => {
    const steps = live[i];
    const pts = steps.map(([t, n], k) => `${x(t)},${y(k ? steps[k - 1][1] : 0)} ${x(t)},${y(n)}`).join(' ');
    parts.push(`<polyline class="live c${i % 4}" data-provider="${esc(p)}" points="${pts}"/>`);
    const cap = input.caps[p];
    if (cap !== undefined)
      parts.push(
        `<line class="cap c${i % 4}" data-provider="${esc(p)}" data-cap="${cap}" x1="${label}" y1="${y(cap)}" ` +
          `x2="${label + width}" y2="${y(cap)}"/>`,
        `<text x="${label + width + 4}" y="${Number(y(cap)) + 4}" class="val">${esc(p)} cap ${cap}</text>`,
      );
  });
  parts.push(
    `<text x="0" y="${top + plotH / 2}" class="lbl">live jobs</text>`,
    `<line class="axis" x1="${label}" y1="${y(0)}" x2="${label + width}" y2="${y(0)}"/>`,
    `<text x="${label}" y="${Number(y(0)) + 16}" class="val">0</text>`,
    `<text x="${label + width}" y="${Number(y(0)) + 16}" class="val" text-anchor="end">` +
      `${formatDuration(t1 - t0)}</text>`,
  );
  const h = top + plotH + 24;
  const w = label + width + 130;
  return (
    `<svg id="timeline" role="img" aria-label="the wave's jobs over time against the provider cap" ` +
    `viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${parts.join('')}</svg>`
  );
}

const CSS = `tr.landed td:nth-child(2),tr.ready td:nth-child(2){background:#dff5e1}
tr.failed td:nth-child(2){background:#fbdede}
.job.ok{fill:#2e8b57}.job.bad{fill:#c0392b}.job.open{fill:#3a7bd5}.live{fill:none;stroke-width:2}
.cap{stroke-dasharray:6 4;stroke-width:1.5}.c0{stroke:#3a7bd5}.c1{stroke:#8e44ad}.c2{stroke:#d35400}.c3{stroke:#16a085}
.lbl{font-size:12px;fill:#1d2330}.val{font-size:11px;fill:#556}.axis{stroke:#889}code{font-size:12px}`;

/** `wave report --html`: one self-contained page, each item and the timeline of its jobs against the cap. */
export function waveHtml(input: WaveHtmlInput): string {
  const r = input.report;
  const head = cells('th', [
    'bead',
    'state',
    'attempts',
    'provider',
    'fallback',
    'reason',
    'commit',
    'diff',
    'worktree',
  ]);
  const rows = r.items.map((it) => {
    const d = input.delivery[it.beads] ?? { base: null, commit: null, diff: null };
    const tried = [...new Set(it.runs.map((x) => x.provider))];
    return `<tr class="${esc(it.state)}" data-beads="${esc(it.beads)}">${cells('td', [
      esc(it.beads),
      esc(it.state),
      it.attempts,
      esc(tried.length ? tried.join(' → ') : it.provider),
      esc(it.fallback_reason),
      esc(it.reason_code),
      d.commit ? `<code title="${esc(d.commit)}">${esc(d.commit.slice(0, 12))}</code>` : '-',
      esc(diffText(d.diff)),
      `<code>${esc(it.worktree)}</code>`,
    ])}</tr>`;
  });
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${esc(s)}`)
    .join(', ');
  const title = `Wave ${r.wave}: ${r.state}`;
  return htmlPage(
    title,
    CSS,
    `<h1>${esc(title)}</h1>
<div id="wave-summary" class="banner ${r.counts.failed ? 'fail' : r.state === 'done' ? 'pass' : 'warn'}">
${counts || 'no items'} · ${esc(formatDuration(r.duration_sec * 1000))}${r.critical ? ' · critical' : ''}</div>
<p>created ${esc(r.created_at)} · ended ${esc(r.ended_at ?? 'not yet')} · report made ${esc(input.generatedAt)}</p>
<h2>Items</h2>
<table id="items"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="note">diff: the worktree against the commit its first job started from, untracked files included.</p>
<h2>Timeline</h2>
${timelineSvg(input)}`,
  );
}
