import type { Inputs } from './inputs';
import { RemoteError, safeUrl, type Backend, type SessionView } from './session';

type JulesInputs = Extract<Inputs, { mode: 'jules' }>;

interface WireSession {
  id?: string;
  name?: string;
  state?: string;
  title?: string;
  url?: string;
  outputs?: Array<{ pullRequest?: { url?: string } }>;
}

/** Seconds from a Retry-After header (delta form only; the date form is rare on Google APIs). */
const retryAfter = (h: string | null) => (h && /^\d+$/.test(h.trim()) ? Number(h.trim()) * 1000 : undefined);

/** The Google error envelope's message, else the status; never the request (it holds no key, but stay plain). */
async function errorOf(res: Response, what: string): Promise<RemoteError> {
  let detail = '';
  try {
    const body = (await res.json()) as { error?: { message?: unknown; status?: unknown } };
    const m = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 300) : '';
    const s = typeof body?.error?.status === 'string' ? body.error.status : '';
    detail = [s, m].filter(Boolean).join(': ');
  } catch {
    // not JSON: the status says enough
  }
  const transient = res.status === 429 || res.status >= 500;
  const hint =
    res.status === 401 || res.status === 403
      ? ' (check the jules-api-key input: Jules refused the key)'
      : res.status === 404 && what === 'create the session'
        ? ' (is the repository connected to this Jules account?)'
        : '';
  return new RemoteError(`Jules API: could not ${what}: HTTP ${res.status}${detail ? ` ${detail}` : ''}${hint}`, res.status, transient, retryAfter(res.headers.get('retry-after')));
}

function view(s: WireSession): SessionView {
  const id = s.id ?? s.name?.replace(/^sessions\//, '') ?? '';
  const pr = s.outputs?.map((o) => safeUrl(o?.pullRequest?.url)).find(Boolean);
  return { id, julesId: id, state: s.state ?? 'STATE_UNSPECIFIED', title: s.title, prUrl: pr, sessionUrl: safeUrl(s.url) ?? (id ? `https://jules.google.com/session/${id}` : undefined) };
}

/** The Jules REST API (v1alpha) directly, with plain fetch and the X-Goog-Api-Key header. */
export function julesBackend(i: JulesInputs, doFetch: typeof fetch = fetch): Backend {
  const base = i.julesApiUrl;
  async function call(method: 'GET' | 'POST', path: string, what: string, body?: unknown): Promise<WireSession> {
    let res: Response;
    try {
      res = await doFetch(`${base}/${path}`, {
        method,
        headers: { 'x-goog-api-key': i.julesApiKey, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new RemoteError(`Jules API: could not ${what}: cannot reach ${new URL(base).origin} (${(err as Error).message})`, 0, true);
    }
    if (!res.ok) throw await errorOf(res, what);
    return (await res.json()) as WireSession;
  }
  return {
    kind: 'jules',
    async start(prompt) {
      const body = {
        prompt,
        ...(i.title ? { title: i.title } : {}),
        ...(i.repo ? { sourceContext: { source: `sources/github/${i.repo}`, githubRepoContext: { startingBranch: i.branch } } } : {}),
        requirePlanApproval: i.requirePlanApproval,
        ...(i.autoCreatePr ? { automationMode: 'AUTO_CREATE_PR' } : {}),
      };
      // Not retried: Jules has no idempotency key, and a create that timed out may still have happened.
      return { session: view(await call('POST', 'sessions', 'create the session', body)) };
    },
    async get(id) {
      return view(await call('GET', `sessions/${encodeURIComponent(id)}`, `read session ${id}`));
    },
  };
}
