import { DxError } from '../core/errors.js';

/** Raw 1Password CLI reads: an agent must never be told to run them (its output and logs would hold the secret). */
const RAW_OP = /(^|[\s>`-])op\s+(read|whoami|item\s+(get|list))\b/;
const BREAK_GLASS = /AUTH_REPAIR_BREAK_GLASS|DX_ALLOW_RAW_OP_FOR_AUTH_REPAIR=1|HUMAN_RECOVERY_ONLY/;

/** Literal secrets: shapes of real tokens and keys. */
const SECRET_SHAPES: Array<[string, RegExp]> = [
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['OpenAI/Anthropic-style key', /\bsk-(?:ant-)?[A-Za-z0-9_-]{20,}/],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}/],
  ['AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
  ['bearer token', /\bBearer\s+[A-Za-z0-9._~+/=-]{20,}/i],
];

/** Refuses a prompt that carries raw secret-manager commands or literal secrets (exit 21). */
export function guardPrompt(prompt: string): void {
  if (!BREAK_GLASS.test(prompt)) {
    const lines = prompt.split('\n').flatMap((l, i) => (RAW_OP.test(l) ? [i + 1] : []));
    if (lines.length) {
      throw new DxError(
        'raw_op_forbidden_in_agent_context',
        `the prompt runs raw 1Password commands (line ${lines.slice(0, 5).join(', ')}); remove them, or ` +
          'mark an auth repair with AUTH_REPAIR_BREAK_GLASS',
      );
    }
  }
  for (const [what, re] of SECRET_SHAPES) {
    if (re.test(prompt)) {
      throw new DxError(
        'secret_in_prompt',
        `the prompt contains what looks like a ${what}; pass secrets through the environment, never in the prompt`,
      );
    }
  }
}

const REDACTIONS: RegExp[] = [
  /op:\/\/[^\s"'`]+/g,
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsk-(?:ant-)?[A-Za-z0-9_-]{12,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  // Z.ai / Zhipu GLM API keys: <32 hex>.<16 alphanumerics>
  /\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b/g,
  // also prefixed names: ANTHROPIC_AUTH_TOKEN=…, ZAI_API_KEY=…
  /\b(\w*?(?:api[_-]?key|token|secret|password|authorization)["']?\s*[:=]\s*["']?)[A-Za-z0-9._~+/=-]{8,}/gi,
];

/** Removes tokens, keys and secret references from a line before anyone is shown it. */
export function redact(text: string): string {
  let out = text;
  for (const re of REDACTIONS)
    out = out.replace(re, (_m, keep?: string) => `${typeof keep === 'string' ? keep : ''}[REDACTED]`);
  return out;
}

/** File names that hold secrets by convention: never committed on the agent's behalf. */
const SECRET_FILE_NAMES = /^(\.env(\..*)?|.*\.(pem|key))$/;

/**
 * Why a file must not be committed (its name is a secret file's, or its content looks like a key), else null.
 * `content`: the file's text, null when it is not read (binary, gone).
 */
export function secretInFile(file: string, content: string | null): string | null {
  const name = file.split('/').pop() ?? file;
  if (SECRET_FILE_NAMES.test(name)) return 'a secret file name (.env*, *.pem, *.key)';
  for (const [what, re] of SECRET_SHAPES) if (content !== null && re.test(content)) return `what looks like a ${what}`;
  return null;
}
