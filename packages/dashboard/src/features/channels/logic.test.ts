import { describe, expect, it } from 'vitest';
import { attemptSummary, bodyOf, channelState, EMPTY_DRAFT, eventTypeChoices, filtersOf, filtersSummary, knownPattern, splitList } from './logic';

const TYPES = ['session.created', 'session.updated', 'inbox.raised', 'inbox.updated', 'budget.threshold'];

describe('event type choices from the catalog', () => {
  it('offers every type, a prefix for shared heads, and *', () => {
    const c = eventTypeChoices(TYPES);
    expect(c.exact).toEqual(TYPES);
    expect(c.prefixes).toEqual(['session.*', 'inbox.*', '*']);
  });
  it('knows exact types, prefixes and * and nothing else', () => {
    expect(knownPattern('inbox.raised', TYPES)).toBe(true);
    expect(knownPattern('session.*', TYPES)).toBe(true);
    expect(knownPattern('*', TYPES)).toBe(true);
    expect(knownPattern('sess.*', TYPES)).toBe(false);
    expect(knownPattern('inbox.deleted', TYPES)).toBe(false);
    // The real catalog has inbox.raised.
    expect(knownPattern('inbox.raised')).toBe(true);
  });
});

describe('the add form', () => {
  it('splits lists and drops duplicates', () => {
    expect(splitList(' a@x.io, b@x.io\nb@x.io ;c@x.io ')).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    expect(splitList('  ')).toEqual([]);
  });
  it('narrows filters only when asked', () => {
    expect(filtersOf({ eventTypes: [], severities: [], repos: '' })).toEqual({ eventTypes: ['inbox.raised'] });
    expect(filtersOf({ eventTypes: ['session.*'], severities: ['critical', 'warning'], repos: 'acme/shop acme/api' })).toEqual({ eventTypes: ['session.*'], severities: ['warning', 'critical'], repos: ['acme/shop', 'acme/api'] });
    // Every severity ticked is the same as none.
    expect(filtersOf({ eventTypes: ['*'], severities: ['info', 'warning', 'critical'], repos: '' })).toEqual({ eventTypes: ['*'] });
  });
  it('builds each kind of body', () => {
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'slack', name: ' Ops ', url: 'https://hooks.slack.com/services/T/B/x' })).toEqual({ body: { kind: 'slack', name: 'Ops', url: 'https://hooks.slack.com/services/T/B/x', filters: { eventTypes: ['inbox.raised'] } } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'webhook', name: 'R', url: 'http://127.0.0.1:4000/in' })).toEqual({ body: { kind: 'webhook', name: 'R', url: 'http://127.0.0.1:4000/in', filters: { eventTypes: ['inbox.raised'] } } });
    const secret = `whsec_${'A'.repeat(32)}`;
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'webhook', name: 'R', url: 'https://x.io/h', secret })).toMatchObject({ body: { secret } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'email', name: 'Mail', to: 'a@x.io, b@y.org', url: 'ignored' })).toEqual({ body: { kind: 'email', name: 'Mail', to: ['a@x.io', 'b@y.org'], filters: { eventTypes: ['inbox.raised'] } } });
  });
  it('names the field of each problem', () => {
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'slack' })).toEqual({ errors: { name: 'Give the channel a name', url: 'An http(s) URL' } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'webhook', name: 'R', url: 'ftp://x' })).toMatchObject({ errors: { url: expect.any(String) } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'webhook', name: 'R', url: 'https://x.io', secret: 'hunter2' })).toMatchObject({ errors: { secret: expect.stringContaining('whsec_') } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'email', name: 'M', to: '' })).toEqual({ errors: { to: 'At least one recipient' } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'email', name: 'M', to: 'a@x.io, nope' })).toEqual({ errors: { to: '"nope" is not an e-mail address' } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'slack', name: 'S', url: 'https://h.io', repos: 'acme' })).toEqual({ errors: { filters: '"acme" is not owner/name' } });
    expect(bodyOf({ ...EMPTY_DRAFT, kind: 'slack', name: 'S', url: 'https://h.io', eventTypes: ['nope.*'] })).toEqual({ errors: { filters: '"nope.*" is not an event type of the catalog' } });
  });
});

describe('labels', () => {
  it('summarises filters', () => {
    expect(filtersSummary({ eventTypes: ['inbox.raised'] })).toBe('inbox.raised · every severity');
    expect(filtersSummary({ eventTypes: ['inbox.raised', 'session.*'], severities: ['critical'], repos: ['a/b', 'c/d'] })).toBe('inbox.raised, session.* · critical · 2 repos');
    expect(filtersSummary({ eventTypes: ['*'], repos: ['a/b'] })).toBe('* · every severity · a/b');
  });
  it('says whether a channel sends, and why not', () => {
    expect(channelState({ enabled: true, disabledReason: null, consecutiveFailures: 0 })).toEqual({ label: 'enabled', tone: 'ok', reason: null });
    expect(channelState({ enabled: true, disabledReason: null, consecutiveFailures: 3 }).label).toBe('failing (3)');
    expect(channelState({ enabled: false, disabledReason: '8 deliveries failed in a row', consecutiveFailures: 8 })).toEqual({ label: 'disabled', tone: 'bad', reason: '8 deliveries failed in a row' });
    expect(channelState({ enabled: false, disabledReason: null, consecutiveFailures: 0 }).tone).toBe('muted');
  });
  it('summarises an attempt', () => {
    expect(attemptSummary({ ok: true, statusCode: 200, durationMs: 42, error: null })).toBe('OK: HTTP 200 in 42 ms');
    expect(attemptSummary({ ok: false, statusCode: null, durationMs: 10000, error: 'timed out' })).toBe('Failed: no answer in 10,000 ms (timed out)');
  });
});
