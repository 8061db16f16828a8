import { createOpencodeClient } from '@opencode-ai/sdk';
import { authHeader } from './index.js';

/**
 * The models a running `opencode serve` offers (`provider/model`, as `opencode models` prints them), from its
 * provider listing: an answer from memory in milliseconds where the CLI takes seconds to start. null when the
 * server does not answer in time.
 */
export async function serverModels(url: string, password: string | undefined, dir: string): Promise<string[] | null> {
  const client = createOpencodeClient({
    baseUrl: url,
    directory: dir,
    ...(password ? { headers: { authorization: authHeader(password) } } : {}),
  });
  try {
    const r = await client.config.providers({ signal: AbortSignal.timeout(5000) });
    return r.data ? r.data.providers.flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`)) : null;
  } catch {
    return null;
  }
}
