import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the LLM vendors' HTTP APIs on 127.0.0.1, speaking the real wire formats the AI SDK providers use:
 * OpenAI Responses (`POST /v1/responses`, the @ai-sdk/openai default), OpenAI-style chat completions
 * (`POST /v1/chat/completions`, used by openai-compatible), Anthropic Messages (`POST /v1/messages`) and Gemini
 * generateContent (`POST /v1beta/models/{model}:generateContent`), each with its own usage fields, plus the
 * embeddings endpoints (OpenAI `POST /v1/embeddings`, Gemini `:embedContent` / `:batchEmbedContents`). A script
 * decides every reply, so tests can return exact token counts, errors, truncation or delays.
 */
export type WireApi = 'openai-responses' | 'openai-chat' | 'anthropic' | 'gemini' | 'openai-embeddings' | 'gemini-embed';

export interface FakeCall {
  api: WireApi;
  model: string;
  /** The credential as sent (Authorization bearer, x-api-key or x-goog-api-key). */
  apiKey: string | null;
  structured: boolean;
  body: any;
}

export type FakeReply =
  | { text?: string; object?: unknown; inputTokens?: number; outputTokens?: number; truncated?: boolean; delayMs?: number; hold?: Promise<unknown> }
  | { status: number; message?: string; delayMs?: number };

export interface FakeUpstream {
  url: string;
  calls: FakeCall[];
  /** The most requests it has had open at once. */
  readonly maxInFlight: number;
  /** Replaces the reply script. */
  script(fn: (call: FakeCall) => FakeReply): void;
  close(): Promise<void>;
}

function apiOf(method: string, path: string): { api: WireApi; model?: string } | null {
  if (method !== 'POST') return null;
  if (path.endsWith('/responses')) return { api: 'openai-responses' };
  if (path.endsWith('/chat/completions')) return { api: 'openai-chat' };
  if (path.endsWith('/messages')) return { api: 'anthropic' };
  if (path.endsWith('/embeddings')) return { api: 'openai-embeddings' };
  const e = /\/models\/([^/:]+):(batchEmbedContents|embedContent)$/.exec(path);
  if (e) return { api: 'gemini-embed', model: decodeURIComponent(e[1]!) };
  const g = /\/models\/([^/:]+):generateContent$/.exec(path);
  if (g) return { api: 'gemini', model: decodeURIComponent(g[1]!) };
  return null;
}

function isStructured(api: WireApi, b: any): boolean {
  switch (api) {
    case 'openai-responses':
      return b?.text?.format?.type === 'json_schema' || b?.text?.format?.type === 'json_object';
    case 'openai-chat':
      return b?.response_format?.type === 'json_schema' || b?.response_format?.type === 'json_object';
    case 'anthropic':
      return Boolean(b?.tools?.some((t: any) => t.name === 'json') || b?.output_format || b?.output_config?.format);
    case 'gemini':
      return b?.generationConfig?.responseMimeType === 'application/json';
    default:
      return false;
  }
}

function errorBody(api: WireApi, status: number, message: string) {
  if (api === 'anthropic') return { type: 'error', error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message } };
  if (api === 'gemini' || api === 'gemini-embed') return { error: { code: status, message, status: status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT' } };
  return { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, param: null } };
}

/** A deterministic vector per input text: [length, position, 0.5]. */
const vector = (text: string, i: number) => [text.length, i, 0.5];

function successBody(call: FakeCall, r: Exclude<FakeReply, { status: number }>) {
  const text = r.object !== undefined ? JSON.stringify(r.object) : (r.text ?? 'OK');
  const inTok = r.inputTokens ?? 10;
  const outTok = r.outputTokens ?? 5;
  const now = Math.floor(Date.now() / 1000);
  switch (call.api) {
    case 'openai-responses':
      return {
        id: 'resp_fake',
        object: 'response',
        created_at: now,
        model: call.model,
        status: r.truncated ? 'incomplete' : 'completed',
        output: [{ type: 'message', id: 'msg_fake', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }],
        incomplete_details: r.truncated ? { reason: 'max_output_tokens' } : null,
        usage: { input_tokens: inTok, output_tokens: outTok, total_tokens: inTok + outTok, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
      };
    case 'openai-chat':
      return {
        id: 'chatcmpl_fake',
        object: 'chat.completion',
        created: now,
        model: call.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: r.truncated ? 'length' : 'stop' }],
        usage: { prompt_tokens: inTok, completion_tokens: outTok, total_tokens: inTok + outTok },
      };
    case 'anthropic': {
      const tool = call.structured && call.body?.tools?.some((t: any) => t.name === 'json');
      return {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model: call.model,
        content: tool ? [{ type: 'tool_use', id: 'toolu_fake', name: 'json', input: r.object ?? {} }] : [{ type: 'text', text }],
        stop_reason: r.truncated ? 'max_tokens' : tool ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: inTok, output_tokens: outTok },
      };
    }
    case 'openai-embeddings': {
      const input: string[] = Array.isArray(call.body.input) ? call.body.input : [call.body.input];
      return {
        object: 'list',
        data: input.map((t, i) => ({ object: 'embedding', index: i, embedding: vector(t, i) })),
        model: call.model,
        usage: { prompt_tokens: inTok, total_tokens: inTok },
      };
    }
    case 'gemini-embed':
      // Gemini reports no token usage for embeddings.
      return call.body.requests
        ? { embeddings: call.body.requests.map((q: any, i: number) => ({ values: vector(q.content.parts[0].text, i) })) }
        : { embedding: { values: vector(call.body.content.parts[0].text, 0) } };
    case 'gemini':
      return {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: r.truncated ? 'MAX_TOKENS' : 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: inTok, candidatesTokenCount: outTok, totalTokenCount: inTok + outTok },
        modelVersion: call.model,
      };
  }
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. The default script answers "OK" with 10 in / 5 out tokens. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  let script: (call: FakeCall) => FakeReply = () => ({});
  const calls: FakeCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const route = apiOf(req.method ?? '', (req.url ?? '').split('?')[0]!);
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such route"}}');
        return;
      }
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        res.writeHead(400).end();
        return;
      }
      const auth = req.headers.authorization?.replace(/^Bearer\s+/i, '');
      const apiKey = (req.headers['x-api-key'] as string | undefined) ?? (req.headers['x-goog-api-key'] as string | undefined) ?? auth ?? null;
      const call: FakeCall = { api: route.api, model: route.model ?? body.model, apiKey, structured: isStructured(route.api, body), body };
      calls.push(call);
      const reply = script(call);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      // A reply the test releases itself: a request kept in flight exactly as long as the test needs.
      if ('hold' in reply && reply.hold) await reply.hold;
      inFlight--;
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(call.api, reply.status, reply.message ?? `fake ${reply.status}`)));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(successBody(call, reply)));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    script: (fn) => {
      script = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The base URL each provider kind expects on the fake. */
export const baseUrlFor = (url: string, kind: 'openai' | 'anthropic' | 'gemini' | 'openai-compatible') => (kind === 'gemini' ? `${url}/v1beta` : `${url}/v1`);
