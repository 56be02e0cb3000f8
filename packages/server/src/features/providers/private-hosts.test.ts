import { describe, expect, it } from 'vitest';
import { isPrivateHost } from './private-hosts';

describe('isPrivateHost', () => {
  it.each(['localhost', 'api.localhost', '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '[::1]', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'metadata.internal'])(
    '%s is private',
    (h) => expect(isPrivateHost(h)).toBe(true),
  );
  it.each(['api.openai.com', '8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', 'generativelanguage.googleapis.com'])('%s is public', (h) => expect(isPrivateHost(h)).toBe(false));
});
