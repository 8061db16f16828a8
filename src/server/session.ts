import fs from 'node:fs';
import { createOpencodeClient, type Event, type Message, type Part, type SessionStatus } from '@opencode-ai/sdk';
import { authHeader } from './index.js';

export interface SessionJob {
  url: string;
  password: string | undefined;
  model: string;
  dir: string;
  title: string;
}

/** Writes one line in the shape `opencode run --format json` prints, so one parser serves both lanes. */
const emit = (obj: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ ...obj, timestamp: Date.now() })}\n`);

/** When a part is final (and so printed, once): text that ended, a tool call that finished, a step boundary. */
function finalKind(part: Part): string | null {
  switch (part.type) {
    case 'step-start':
      return 'step_start';
    case 'step-finish':
      return 'step_finish';
    case 'text':
      return part.time?.end ? 'text' : null;
    case 'tool':
      return part.state.status === 'completed' || part.state.status === 'error' ? 'tool_use' : null;
    default:
      return null;
  }
}

/** How long the event stream may stay silent before the session itself is asked whether its turn ended. */
export const QUIET_MS = 5_000;

/**
 * Pure: the turn is over by the session's own state, whatever the event stream said — the server runs no step
 * of it (idle: absent from the status map, or `idle`) and its last message is the assistant's, completed.
 * The event stream is not enough on its own: a server has been seen to leave a subscriber without
 * `session.idle` (a dropped or disposed instance stream), and the job would then wait forever.
 */
export function turnSettled(status: SessionStatus | undefined, messages: ReadonlyArray<{ info: Message }>): boolean {
  if (status && status.type !== 'idle') return false;
  const last = messages[messages.length - 1]?.info;
  return last?.role === 'assistant' && last.time.completed !== undefined;
}

/**
 * A job on the shared server (`--lane server`), driven through the official SDK. Runs as the job's
 * process: the prompt comes on stdin, the assistant's output goes to stdout as JSON lines, the exit
 * code says how it ended, and TERM aborts the session (and only it). If the server goes away, the job
 * ends with a `ServerLost` error instead of hanging.
 */
export async function runServerSession(job: SessionJob): Promise<number> {
  const prompt = fs.readFileSync(0, 'utf8');
  const client = createOpencodeClient({
    baseUrl: job.url,
    directory: job.dir,
    ...(job.password ? { headers: { authorization: authHeader(job.password) } } : {}),
  });
  const lost = (why: string) => {
    emit({ type: 'error', error: { name: 'ServerLost', data: { message: `server_lost: ${why}` } } });
    return 1;
  };

  const created = await client.session
    .create({ body: { title: job.title } })
    .catch((e: Error) => ({ error: e, data: undefined }));
  const session = created.data;
  if (!session) return lost(`could not create a session on ${job.url}: ${JSON.stringify(created.error)}`);

  emit({ type: 'session_created', sessionID: session.id }); // the session id is known before any output
  let aborting = false;
  process.on('SIGTERM', () => {
    aborting = true;
    void client.session.abort({ path: { id: session.id } }).finally(() => process.exit(143));
  });

  // subscribe before prompting, so no event of this session is missed; a dropped stream is not
  // retried: a server that went away lost this run with it
  let streamError = '';
  const events = await client.event
    .subscribe({
      sseMaxRetryAttempts: 1,
      onSseError: (e: unknown) => (streamError = e instanceof Error ? e.message : String(e)),
    })
    .catch(() => null);
  if (!events) return lost(`no event stream from ${job.url}`);
  const slash = job.model.indexOf('/');
  const sent = await client.session
    .promptAsync({
      path: { id: session.id },
      body: {
        parts: [{ type: 'text', text: prompt }],
        model: { providerID: job.model.slice(0, slash), modelID: job.model.slice(slash + 1) },
      },
    })
    .catch((e: Error) => ({ error: e }));
  if ('error' in sent && sent.error) return lost(`prompt not accepted: ${JSON.stringify(sent.error)}`);

  const assistantMessages = new Set<string>();
  const printed = new Set<string>();
  let failed = false;
  const printPart = (part: Part) => {
    if (part.sessionID !== session.id || !assistantMessages.has(part.messageID)) return;
    const kind = finalKind(part);
    if (kind && !printed.has(`${kind}:${part.id}`)) {
      printed.add(`${kind}:${part.id}`);
      emit({ type: kind, sessionID: session.id, part });
    }
  };
  const fail = (error: unknown) => {
    failed = true;
    emit({ type: 'error', sessionID: session.id, error });
  };
  /** One event of the stream; the exit code once the session's turn is over. */
  const onEvent = (ev: Event): number | undefined => {
    switch (ev.type) {
      case 'message.updated':
        // only the assistant's own output counts: the user's prompt is never "output"
        if (ev.properties.info.sessionID === session.id && ev.properties.info.role === 'assistant')
          assistantMessages.add(ev.properties.info.id);
        return undefined;
      case 'message.part.updated':
        printPart(ev.properties.part);
        return undefined;
      case 'session.status':
        if (ev.properties.sessionID === session.id && ev.properties.status.type === 'retry') {
          const { message, attempt } = ev.properties.status;
          emit({ type: 'retry', sessionID: session.id, message, attempt });
        }
        return undefined;
      case 'session.error':
        if (ev.properties.sessionID === session.id && ev.properties.error) fail(ev.properties.error);
        return undefined;
      case 'session.idle':
        return ev.properties.sessionID === session.id ? (failed ? 1 : 0) : undefined;
      default:
        return undefined;
    }
  };
  /** The stream has been quiet: asks the session itself; if its turn is over, prints what the stream missed. */
  const settledOnServer = async (): Promise<number | undefined> => {
    const id = { path: { id: session.id } };
    const [status, messages] = await Promise.all([client.session.status(), client.session.messages(id)]).catch(
      () => [null, null] as const,
    );
    if (!status?.data || !messages?.data || !turnSettled(status.data[session.id], messages.data)) return undefined;
    for (const { info, parts } of messages.data) {
      if (info.role !== 'assistant') continue;
      assistantMessages.add(info.id);
      for (const part of parts) printPart(part);
      if (info.error && !failed) fail(info.error);
    }
    return failed ? 1 : 0;
  };

  const stream = events.stream[Symbol.asyncIterator]();
  let next = stream.next();
  const QUIET = Symbol('quiet');
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<typeof QUIET>((resolve) => (timer = setTimeout(() => resolve(QUIET), QUIET_MS)));
      const got = await Promise.race([next, quiet]).finally(() => clearTimeout(timer));
      if (got === QUIET) {
        if (aborting) continue;
        const code = await settledOnServer();
        if (code !== undefined) return code;
        continue;
      }
      if (got.done) break;
      next = stream.next();
      const code = onEvent(got.value as Event);
      if (code !== undefined) return code;
    }
  } catch (e) {
    if (aborting) return 143;
    return lost((e as Error).message);
  }
  return aborting ? 143 : lost(streamError || 'the event stream ended before the session finished');
}
