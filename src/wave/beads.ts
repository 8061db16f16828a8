import { z } from 'zod';
import { DxError } from '../core/errors.js';
import { itemEnded, type ItemState } from './decide.js';
import type { Manifest } from './manifest.js';

/**
 * Beads as a wave's source and record, as pure functions: the `bd ready --json` list, the prompt each issue
 * becomes, and the `bd` commands that record a wave's dispatches and outcomes on the issues. Running `bd`
 * is tracker.ts's.
 */

/** One issue of `bd ready --json` (an array of them). Only what a prompt needs is read; other keys are ignored. */
const readyIssueSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  description: z.string().nullish(),
  design: z.string().nullish(),
  acceptance_criteria: z.string().nullish(),
  notes: z.string().nullish(),
});

export type ReadyIssue = z.infer<typeof readyIssueSchema>;

/** `bd ready --json`'s stdout → its issues; anything else is `beads_output_invalid`. */
export function parseReady(stdout: string): ReadyIssue[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new DxError(
      'beads_output_invalid',
      `bd ready --json did not print JSON (${stdout.trim().slice(0, 80) || 'nothing'}); check the bd CLI ` +
        '(bd ready --json) and its database',
    );
  }
  const parsed = z.array(readyIssueSchema).safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DxError(
    'beads_output_invalid',
    `bd ready --json: ${issue.path.join('.') || '(top level)'}: ${issue.message}; this bd is not one ` +
      'dx-runner reads (bd ready --json prints an array of issues)',
  );
}

/** The task an issue becomes: its title, then each of its texts under a heading. */
export function promptOf(issue: ReadyIssue): string {
  const sections: Array<[string, string | null | undefined]> = [
    ['', issue.description],
    ['Design', issue.design],
    ['Acceptance criteria', issue.acceptance_criteria],
    ['Notes', issue.notes],
  ];
  const parts = [`# ${issue.id}: ${issue.title}`];
  for (const [heading, text] of sections) {
    if (!text?.trim()) continue;
    parts.push(heading ? `## ${heading}\n\n${text.trim()}` : text.trim());
  }
  return `${parts.join('\n\n')}\n`;
}

/** The ready issues as a wave manifest: one item per issue, its prompt inline, its worktree under the root. */
export function manifestFromReady(
  issues: readonly ReadyIssue[],
  o: { repo?: string; base?: string; worktreeRoot?: string },
): Manifest {
  if (!issues.length)
    throw new DxError(
      'beads_none_ready',
      'bd ready lists no issue: nothing to run; file or unblock issues in beads, or pass --manifest / --items',
    );
  return {
    repo: o.repo,
    base: o.base,
    worktree_root: o.worktreeRoot,
    items: issues.map((i) => ({ beads: i.id, prompt: promptOf(i) })),
  };
}

/** What of a wave item the record on its issue is made from. */
export interface TrackedItem {
  beads: string;
  state: ItemState;
  provider: string;
  attempts: number;
  fallbackReason: string | null;
  reasonCode: string | null;
  spec: { worktree: string };
}

/** What has been recorded on one issue so far (the wave keeps it in its folder). */
export interface Recorded {
  /** attempts whose dispatch is recorded */
  dispatched: number;
  /** the item state whose outcome is recorded */
  outcome: ItemState | null;
  /** `bd` calls that failed; after MAX_RECORD_FAILURES the issue is left alone */
  failures: number;
}

export const MAX_RECORD_FAILURES = 3;

/**
 * One record to make on an issue: the `bd` argument lists in order (the idempotent status change first, so a
 * retry after a failure adds no second comment), and what is recorded once they all succeed.
 */
export interface RecordAction {
  beads: string;
  commands: string[][];
  done: Partial<Recorded>;
}

/**
 * The records due for a wave's items: while an attempt runs, its dispatch (status in_progress and a comment);
 * once the item has ended, its outcome as a comment. An issue that landed (or is ready) stays in_progress for a
 * person to review and close; one that did not is set back to open, so that `bd ready` offers it again. An item that
 * never launched leaves its issue as it was.
 */
export function dueRecords(
  wave: number,
  items: readonly TrackedItem[],
  recorded: Readonly<Record<string, Recorded>>,
): RecordAction[] {
  const actions: RecordAction[] = [];
  const tag = `dx-runner wave ${wave}`;
  for (const it of items) {
    const r = recorded[it.beads] ?? { dispatched: 0, outcome: null, failures: 0 };
    if (r.failures >= MAX_RECORD_FAILURES) continue;
    // only a running item's provider is the one its attempt runs on (a queued one's is the next attempt's)
    if (it.state === 'running' && it.attempts > r.dispatched) {
      const via = it.fallbackReason ? ` (fallback: ${it.fallbackReason})` : '';
      actions.push({
        beads: it.beads,
        commands: [
          ['update', it.beads, '--status', 'in_progress'],
          [
            'comments',
            'add',
            it.beads,
            `${tag}: attempt ${it.attempts} dispatched to ${it.provider}${via} in worktree ${it.spec.worktree}`,
          ],
        ],
        done: { dispatched: it.attempts },
      });
    }
    if (!itemEnded(it.state) || it.attempts === 0 || r.outcome === it.state) continue;
    const after = `after ${it.attempts} attempt${it.attempts === 1 ? '' : 's'}`;
    const done = it.state === 'landed' || it.state === 'ready';
    const text = done
      ? `${tag}: ${it.state} on ${it.provider} ${after}; the work is in ${it.spec.worktree}: ` +
        'review it and close the issue'
      : `${tag}: ${it.state} on ${it.provider} ${after}${it.reasonCode ? ` (${it.reasonCode})` : ''}; ` +
        `details: dx-runner wave report --wave ${wave}`;
    actions.push({
      beads: it.beads,
      commands: [
        ['update', it.beads, '--status', done ? 'in_progress' : 'open'],
        ['comments', 'add', it.beads, text],
      ],
      done: { outcome: it.state },
    });
  }
  return actions;
}
