import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cursorCodec } from './cursor';
import { AppError } from './errors';

const codec = cursorCodec(z.object({ u: z.string(), i: z.string() }));

describe('cursor codec', () => {
  it('round-trips a page key through an opaque base64url string', () => {
    const c = codec.encode({ u: '2026-12-01T00:00:00.000Z', i: 'abc' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(c)).toEqual({ u: '2026-12-01T00:00:00.000Z', i: 'abc' });
  });

  it('no cursor (absent or empty) is the first page', () => {
    expect(codec.decode(undefined)).toBeUndefined();
    expect(codec.decode('')).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor!'],
    ['JSON of another shape', Buffer.from(JSON.stringify({ p: 3 })).toString('base64url')],
    ['a field of the wrong type', Buffer.from(JSON.stringify({ u: 1, i: 'x' })).toString('base64url')],
  ])('%s is a 400 naming query.cursor', (_what, bad) => {
    expect(codec.tryDecode(bad)).toBeNull();
    let err: unknown;
    try {
      codec.decode(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('bad_request');
    expect(JSON.stringify((err as AppError).details)).toContain('query.cursor');
  });

  it('reads the cursors the endpoints wrote before the codec was shared (same wire format)', () => {
    const legacy = Buffer.from(JSON.stringify({ u: 'u1', i: 'i1' })).toString('base64url');
    expect(codec.decode(legacy)).toEqual({ u: 'u1', i: 'i1' });
  });
});
