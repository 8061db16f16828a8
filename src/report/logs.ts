import fs from 'node:fs';

// `logs`: the agent's output as people read it.

/** Renders the agent's JSON event stream as readable lines for `logs` (raw lines pass through). */
export function renderLogLine(line: string): string {
  try {
    const ev = JSON.parse(line) as {
      type?: string;
      part?: {
        text?: string;
        tool?: string;
        state?: { status?: string; title?: string; error?: string; input?: { filePath?: string } };
      };
      error?: { data?: { message?: string }; name?: string };
    };
    switch (ev.type) {
      case 'text':
        return `[text] ${ev.part?.text ?? ''}`;
      case 'tool_use': {
        const st = ev.part?.state;
        const what = st?.title ?? st?.input?.filePath ?? '';
        const why = st?.status === 'error' && st.error ? `: ${st.error.slice(0, 160)}` : '';
        return `[tool:${ev.part?.tool}] ${st?.status ?? ''} ${what}${why}`.trimEnd();
      }
      case 'step_start':
        return '[step] start';
      case 'step_finish':
        return '[step] finish';
      case 'error':
        return `[error] ${ev.error?.data?.message ?? ev.error?.name ?? ''}`;
      default:
        return line;
    }
  } catch {
    return line;
  }
}

export function tailLines(file: string, n: number): string[] {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  }
}
