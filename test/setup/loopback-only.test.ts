import { describe, expect, it } from 'vitest';

// A name under .invalid never resolves, so even a broken guard sends nothing anywhere.
const FOREIGN = 'http://autopilot-guard-check.invalid/';

describe('loopback-only guard', () => {
  it('refuses a connection to a non-loopback host before any lookup', async () => {
    const err = await fetch(FOREIGN).catch((e: Error & { cause?: Error }) => e.cause?.message ?? e.message);
    expect(String(err)).toContain('tests may only reach 127.0.0.1');
  });

  it('allows loopback', async () => {
    const err = await fetch('http://127.0.0.1:1/').catch((e: Error & { cause?: Error }) => e.cause?.message ?? e.message);
    expect(String(err)).not.toContain('tests may only reach');
  });
});
