import { describe, expect, it } from 'vitest';
import { matchPath } from './router';

describe('matchPath', () => {
  it('matches static and parameter segments and decodes parameters', () => {
    expect(matchPath('/sessions', '/sessions')).toEqual({});
    expect(matchPath('/sessions', '/sessions/')).toEqual({});
    expect(matchPath('/sessions/:id', '/sessions/a%2Fb')).toEqual({ id: 'a/b' });
    expect(matchPath('/sessions/:id', '/sessions')).toBeNull();
    expect(matchPath('/sessions/:id', '/keeper/x')).toBeNull();
  });
});
