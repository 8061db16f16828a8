import { DxError } from '../core/errors.js';

/** Raw 1Password CLI reads: an agent must never be told to run them (its output and logs would hold the secret). */
const RAW_OP = /(^|[\s>`-])op\s+(read|whoami|item\s+(get|list))\b/;
const BREAK_GLASS = /AUTH_REPAIR_BREAK_GLASS|DX_ALLOW_RAW_OP_FOR_AUTH_REPAIR=1|HUMAN_RECOVERY_ONLY/;

/**
 * The one catalog of secret shapes: the prompt guard refuses a prompt that holds one, the redactor blanks them
 * in logs and reports, the benchmark checks its prompts with the guard before writing anything. A shape's
 * capture group (the variable name before a value) is what redaction leaves visible.
 */
export const SECRET_SHAPES: ReadonlyArray<{ name: string; re: RegExp }> = [
  { name: 'private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'OpenAI/Anthropic-style key', re: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/ },
  { name: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{30,}/ },
  { name: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { name: 'AWS access key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'AWS secret key', re: /(\baws[\w-]{0,20}secret[\w-]{0,20}["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}\b/i },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}/ },
  { name: 'Slack token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'JWT', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  // Z.ai / Zhipu GLM API keys: <32 hex>.<16 alphanumerics>
  { name: 'Z.ai/GLM key', re: /\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b/ },
  { name: 'bearer token', re: /(\bBearer\s+)[A-Za-z0-9._~+/=-]{20,}/i },
  // ZAI_API_KEY=…, GITHUB_TOKEN: "…", DB_SECRET=…: a secret-named variable given a long literal value
  {
    name: 'secret assignment',
    re: /(\b[A-Za-z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD)["']?\s*[:=]\s*["']?)[A-Za-z0-9._~+/=-]{16,}/i,
  },
];

/** What looks like a secret in `text`, by the catalog's names (empty when nothing does). */
export function secretShapesIn(text: string): string[] {
  return SECRET_SHAPES.filter((s) => s.re.test(text)).map((s) => s.name);
}

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
  const [what] = secretShapesIn(prompt);
  if (what) {
    throw new DxError(
      'secret_in_prompt',
      `the prompt contains what looks like a ${what}; pass secrets through the environment, never in the prompt`,
    );
  }
}

// The catalog, global, plus what is redacted but not refused: secret-manager references, shorter values.
const REDACTIONS: RegExp[] = [
  /op:\/\/[^\s"'`]+/g,
  ...SECRET_SHAPES.map((s) => new RegExp(s.re.source, s.re.flags + 'g')),
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
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
  const [what] = content === null ? [] : secretShapesIn(content);
  return what ? `what looks like a ${what}` : null;
}
