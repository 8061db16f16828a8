import { createOpencodeClient, type Message, type Session, type SessionStatus } from '@opencode-ai/sdk';
import { sleep } from '../core/time.js';
import { authHeader } from './index.js';

/** A run as its sessions on a server are found: the session id its output named, else its title and start. */
export interface RunOnServer {
  sessionId: string | null;
  /** the session title a job's session gets (its bead id) */
  title: string;
  worktree: string;
  startedAt: number;
}

/**
 * Pure: the sessions of a run on a server — the one its output named or, when the run was stopped before any
 * output, those with its title opened in its worktree since it started.
 */
export function runSessions(
  sessions: ReadonlyArray<Pick<Session, 'id' | 'title' | 'directory' | 'time'>>,
  run: RunOnServer,
) {
  if (run.sessionId) return [run.sessionId];
  return sessions
    .filter((s) => s.title === run.title && s.directory === run.worktree && s.time.created >= run.startedAt)
    .map((s) => s.id);
}

/**
 * Pure: what an aborted session needs next. An abort only cancels a turn that has begun: a prompt the client
 * sent just before it was ended can still start a turn afterwards, so a session is done with only once its
 * last message is an answer the server closed (completed or aborted) and it runs nothing; a busy one is
 * aborted again; one with no answer yet is watched.
 */
export function afterAbort(
  status: SessionStatus | undefined,
  messages: ReadonlyArray<{ info: Message }>,
): 'abort' | 'done' | 'watch' {
  if (status && status.type !== 'idle') return 'abort';
  const last = messages[messages.length - 1]?.info;
  return last?.role === 'assistant' && last.time.completed !== undefined ? 'done' : 'watch';
}

/** how long the server may take to answer one call while a run is being ended */
const ABORT_TIMEOUT_MS = 3000;
/** how long an aborted session is watched for a turn its ended client had asked for */
const WATCH_MS = 6000;

/**
 * A run's sessions on the shared server, through the SDK (`session.abort` also ends the shell commands the
 * server runs for them: ending the client alone leaves the session working). `abort` aborts them and says
 * which it reached; `settle`, once the run's processes are gone, watches them until each is done with
 * (`afterAbort`), aborting a turn that began late, within a bound. A server that does not answer (gone, or
 * hung) is not waited for past a bound.
 */
export function runOnServer(url: string, password: string | undefined, run: RunOnServer) {
  const client = createOpencodeClient({
    baseUrl: url,
    directory: run.worktree,
    ...(password ? { headers: { authorization: authHeader(password) } } : {}),
  });
  const bounded = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<null>((resolve) => setTimeout(resolve, ABORT_TIMEOUT_MS, null).unref())]).catch(
      () => null,
    );
  const abortAll = async (ids: string[]) => {
    const aborted = await Promise.all(ids.map((id) => bounded(client.session.abort({ path: { id } }))));
    return ids.filter((_, i) => aborted[i]?.data === true);
  };
  return {
    async abort(): Promise<{ ids: string[]; aborted: string[] }> {
      const listed = run.sessionId ? null : await bounded(client.session.list());
      const ids = runSessions(listed?.data ?? [], run);
      return { ids, aborted: await abortAll(ids) };
    },
    async settle(ids: string[]): Promise<void> {
      let open = ids;
      for (const deadline = Date.now() + WATCH_MS; open.length > 0 && Date.now() < deadline; await sleep(250)) {
        const status = await bounded(client.session.status());
        if (!status?.data) return; // the server does not answer: nothing more to do there
        const next = await Promise.all(
          open.map(async (id) => {
            const messages = await bounded(client.session.messages({ path: { id } }));
            return afterAbort(status.data[id], messages?.data ?? []);
          }),
        );
        await abortAll(open.filter((_, i) => next[i] === 'abort'));
        open = open.filter((_, i) => next[i] !== 'done');
      }
    },
  };
}
