import { createOpencodeClient } from '@opencode-ai/sdk';
import { authHeader } from './index.js';

/**
 * The models a running `opencode serve` offers (`provider/model`, as `opencode models` prints them), from its
 * provider listing. Its first answer takes the server's own setup (seconds on a busy host), later ones are
 * instant, where `opencode models` starts the whole CLI every time. null when the server does not answer.
 */
export async function serverModels(
  url: string,
  password: string | undefined,
  boundMs = 30_000,
): Promise<string[] | null> {
  const client = createOpencodeClient({
    baseUrl: url,
    ...(password ? { headers: { authorization: authHeader(password) } } : {}),
  });
  try {
    const r = await client.config.providers({ signal: AbortSignal.timeout(boundMs) });
    return r.data ? r.data.providers.flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`)) : null;
  } catch {
    return null;
  }
}
