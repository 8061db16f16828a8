import { CLI_ENTRY } from '../core/detached.js';
import { redact, secretShapesIn, SECRET_SHAPES } from '../governance/secrets.js';
import { runRow, type Fixtures } from './badInput.js';
import { BAD_INPUTS, type BadInputRow } from './corpus.js';
import { atMost, every, type Figure } from './figures.js';

/** The figures that need no agent: the bad-input corpus and the secret catalog, each input one CLI run. */

/** Runs `work` over `items`, `width` at a time, keeping their order. */
export async function pool<T, R>(items: readonly T[], width: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return out;
}

/** Every corpus row, judged: four figures (clear, unclear, stack traces, records left). */
export async function corpusFigures(fx: Fixtures, env: NodeJS.ProcessEnv): Promise<Figure[]> {
  const outcomes = await pool(BAD_INPUTS, 2, (row) => runRow(row, fx, CLI_ENTRY, env));
  const of = outcomes.length;
  const judged = (j: string) =>
    outcomes.flatMap((o, i) => (o.judgement === j ? [`${BAD_INPUTS[i].name}: ${o.why}`] : []));
  return [
    {
      key: 'bad_input_clear',
      label: 'bad inputs refused clearly',
      value: judged('clear').length,
      of,
      target: every,
      misses: [],
    },
    ...(['unclear', 'stack_trace', 'record_left'] as const).map((j) => ({
      key: `bad_input_${j}`,
      label: `bad inputs: ${j.replace('_', ' ')}`,
      value: judged(j).length,
      of,
      target: atMost(0),
      misses: judged(j),
    })),
  ];
}

/**
 * One fabricated sample per catalog shape (none is a real credential): `text` as it would sit in a prompt,
 * `value` the part redaction must blank. A shape without a sample counts as missed.
 */
export const SECRET_SAMPLES: Record<string, { text: string; value: string }> = Object.fromEntries(
  (
    [
      ['private key', 'key:\n', '-----BEGIN RSA PRIVATE KEY-----'],
      ['OpenAI/Anthropic-style key', 'use ', `sk-proj-${'a1B2c3D4'.repeat(3)}`],
      ['GitHub token', 'push with ', `ghp_${'A1b2C3d4'.repeat(5)}`],
      ['GitHub fine-grained token', 'push with ', `github_pat_11${'AbCd3fGh1j'.repeat(3)}`],
      ['AWS access key', 'id ', 'AKIAQ2W3E4R5T6Y7U8I9'],
      ['AWS secret key', 'aws_secret_access_key = ', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEYXXX'],
      ['Google API key', 'maps key ', `AIzaSy${'x1Y2'.repeat(8)}z`],
      ['Slack token', 'notify via ', 'xoxb-1234567890-abcdefghij'],
      ['JWT', 'session ', `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'dozjgNryP4J3'.repeat(3)}`],
      ['Z.ai/GLM key', 'glm ', `${'0123456789abcdef'.repeat(2)}.AbCdEfGhIjKlMnOp`],
      ['bearer token', 'Authorization: Bearer ', 'abcDEF123456ghiJKL789012'],
      ['secret assignment', 'export ZAI_API_KEY=', 'q9w8e7r6t5y4u3i2o1p0'],
    ] as const
  ).map(([name, before, value]) => [name, { text: `Call the service. ${before}${value}\n`, value }]),
);

/** A start whose prompt holds `text`: the guard must refuse it (secret_in_prompt, exit 21), nothing recorded. */
const guardRow = (name: string, text: string): BadInputRow => ({
  name,
  args: ['start', '--beads', 'bd-secret.1', '--prompt', text, '--worktree', '{wt}', '--json'],
  reason: 'secret_in_prompt',
  exit: 21,
});

/**
 * Every catalog shape, by its sample: recognised as that shape, refused by `start` clearly with nothing left
 * behind, and blanked by the redactor that `logs` and `report` use.
 */
export async function secretFigure(fx: Fixtures, env: NodeJS.ProcessEnv): Promise<Figure> {
  const misses = await pool(SECRET_SHAPES, 2, async ({ name }) => {
    const sample = SECRET_SAMPLES[name];
    if (!sample) return `${name}: no sample`;
    if (!secretShapesIn(sample.text).includes(name)) return `${name}: not recognised`;
    if (redact(sample.text).includes(sample.value)) return `${name}: not redacted`;
    const out = await runRow(guardRow(name, sample.text), fx, CLI_ENTRY, env);
    return out.judgement === 'clear' ? null : `${name}: start ${out.judgement} (${out.why})`;
  });
  const missed = misses.filter((m): m is string => m !== null);
  return {
    key: 'secret_shapes_caught',
    label: 'secret shapes caught',
    value: SECRET_SHAPES.length - missed.length,
    of: SECRET_SHAPES.length,
    target: every,
    misses: missed,
  };
}
