import { describe, expect, it } from 'vitest';
import { newPassphraseBox, openPassphraseBox } from './transfer.seal';

describe('passphrase sealing', () => {
  it('opens with the same passphrase and the same table/column, and tells a wrong passphrase by the check value', async () => {
    const box = await newPassphraseBox('correct horse battery', { N: 1024 });
    const sealed = box.seal('sk-secret-value', 'llm_providers.api_key_sealed');
    expect(sealed).not.toContain('sk-secret-value');
    const again = await openPassphraseBox('correct horse battery', box.kdf, box.check);
    expect(again!.open(sealed, 'llm_providers.api_key_sealed')).toBe('sk-secret-value');
    expect(() => again!.open(sealed, 'jules_accounts.api_key_sealed')).toThrow();
    expect(await openPassphraseBox('wrong horse battery', box.kdf, box.check)).toBeNull();
  });

  it('refuses key-derivation parameters that would cost too much', async () => {
    const box = await newPassphraseBox('pass phrase', { N: 1024 });
    expect(await openPassphraseBox('pass phrase', { ...box.kdf, N: 2 ** 24 }, box.check)).toBeNull();
  });
});
