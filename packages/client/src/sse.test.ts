import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from './sse';

const parseAll = (chunks: string[]) => {
  const out: SseMessage[] = [];
  const p = createSseParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  return out;
};

describe('createSseParser', () => {
  it('parses id, event and data, and ignores comments (heartbeats)', () => {
    expect(parseAll([': heartbeat\n\nid: 7\nevent: session.created\ndata: {"a":1}\n\n'])).toEqual([{ id: '7', event: 'session.created', data: '{"a":1}' }]);
  });

  it('joins multi-line data and defaults the event name to "message"', () => {
    expect(parseAll(['data: one\ndata: two\n\n'])).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('handles events split across chunks at any byte, including a CRLF split in two', () => {
    const text = 'id: 1\r\nevent: hello\r\ndata: {"x":"y"}\r\n\r\nid: 2\r\nevent: e\r\ndata: z\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual([
        { id: '1', event: 'hello', data: '{"x":"y"}' },
        { id: '2', event: 'e', data: 'z' },
      ]);
    }
  });

  it('does not dispatch an event until its blank line arrives', () => {
    expect(parseAll(['event: a\ndata: 1\n'])).toEqual([]);
  });
});
