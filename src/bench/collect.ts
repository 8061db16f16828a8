import fs from 'node:fs';
import path from 'node:path';
import { DxError } from '../core/errors.js';
import { aggregate, summaryMarkdown } from './stats.js';
import { reportHtml } from './html.js';
import {
  manifestSchema,
  recordSchema,
  resultsSchema,
  summarySchema,
  type BenchRecord,
  type GovernanceReport,
  type Results,
  type Summary,
} from './schemas.js';

const writeJson = (file: string, v: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);
};

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

/** `bench collect`: raw/<wf>__<prompt>.json → collected/results.json (with aggregates) and records.ndjson. */
export function collectRun(
  runDir: string,
  outJson?: string,
  outNdjson?: string,
): { results: Results; resultsJson: string } {
  const fail = (why: string): never => {
    throw new DxError('collect_failed', `cannot collect ${runDir}: ${why}`);
  };
  const rawDir = path.join(runDir, 'raw');
  if (!fs.existsSync(rawDir)) fail('it has no raw/ folder; pass the folder bench run wrote (--run-dir)');
  let manifest;
  try {
    manifest = manifestSchema.parse(readJson(path.join(runDir, 'manifest.json')));
  } catch (e) {
    return fail(`manifest.json is missing or invalid (${(e as Error).message.split('\n')[0]})`);
  }
  const records: BenchRecord[] = [];
  for (const name of fs
    .readdirSync(rawDir)
    .filter((n) => n.endsWith('.json') && n.includes('__'))
    .sort()) {
    const parsed = recordSchema.safeParse(
      (() => {
        try {
          return readJson(path.join(rawDir, name));
        } catch {
          return null;
        }
      })(),
    );
    if (!parsed.success)
      fail(
        `raw/${name} is not a valid record (${parsed.error.issues[0]?.path.join('.')}: ` +
          `${parsed.error.issues[0]?.message})`,
      );
    else records.push(parsed.data);
  }
  records.sort((a, b) => a.workflow_id.localeCompare(b.workflow_id) || a.prompt_id.localeCompare(b.prompt_id));
  const results = resultsSchema.parse({
    run_id: manifest.run_id,
    generated_at: new Date().toISOString(),
    run_dir: runDir,
    record_count: records.length,
    dry_run: manifest.dry_run,
    workflows: manifest.workflows,
    records,
    aggregates: aggregate(records, manifest.workflows),
  });
  const resultsJson = outJson ?? path.join(runDir, 'collected', 'results.json');
  writeJson(resultsJson, results);
  const nd = outNdjson ?? path.join(runDir, 'collected', 'records.ndjson');
  fs.mkdirSync(path.dirname(nd), { recursive: true });
  fs.writeFileSync(nd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return { results, resultsJson };
}

/** Writes the HTML report; its links to the attempts' logs are relative to the file's own folder. */
export function writeReportHtml(file: string, results: Results, governance: GovernanceReport | null): void {
  const runHref = path.relative(path.dirname(file), results.run_dir).split(path.sep).join('/') || '.';
  fs.writeFileSync(file, reportHtml(results, { governance, runHref }));
}

/** `bench summarize`: results.json → summary.json, summary.md and the self-contained report.html. */
export function summarizeRun(
  resultsJson: string,
  out: { md?: string; json?: string; html?: string } = {},
): { summary: Summary; files: { summary_json: string; summary_md: string; report_html: string } } {
  let results: Results;
  try {
    results = resultsSchema.parse(readJson(resultsJson));
  } catch (e) {
    throw new DxError(
      'summarize_failed',
      `cannot summarize ${resultsJson}: it is missing or not a results file ` +
        `(${(e as Error).message.split('\n')[0]}); run dx-runner bench collect first`,
    );
  }
  const dir = path.dirname(resultsJson);
  const files = {
    summary_json: out.json ?? path.join(dir, 'summary.json'),
    summary_md: out.md ?? path.join(dir, 'summary.md'),
    report_html: out.html ?? path.join(dir, 'report.html'),
  };
  const summary = summarySchema.parse({
    run_id: results.run_id,
    generated_at: new Date().toISOString(),
    record_count: results.record_count,
    workflow_metrics: results.aggregates.by_workflow,
    system_metrics: results.aggregates.by_system,
    failure_taxonomy: results.aggregates.failure_taxonomy,
  });
  writeJson(files.summary_json, summary);
  fs.writeFileSync(files.summary_md, summaryMarkdown(summary, results));
  writeReportHtml(files.report_html, results, null);
  return { summary, files };
}

export { writeJson, readJson };
