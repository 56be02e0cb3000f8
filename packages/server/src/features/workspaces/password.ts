import { hash, verify } from '@node-rs/argon2';
import { badRequest } from '../../platform/errors';

/*
 * Local account passwords: argon2id (@node-rs/argon2, OWASP's second recommended profile: 19 MiB, 2 passes, 1 lane),
 * stored in the PHC string form (`$argon2id$v=19$m=...`), so parameters can be raised later without a migration.
 */

const PARAMS = { algorithm: 2 /* Algorithm.Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Refuses a password outside the policy with a 400 naming `path` (10 to 256 characters, not the e-mail address). */
export function checkPasswordPolicy(password: string, email: string, path = 'body.password'): void {
  const issue = (message: string) => badRequest(`Password ${message}`, [{ path, message }]);
  if (password.length < PASSWORD_MIN) throw issue(`must be at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw issue(`must be at most ${PASSWORD_MAX} characters`);
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) throw issue('must not be your e-mail address');
}

export const hashPassword = (password: string): Promise<string> => hash(password, PARAMS);

let dummy: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. With no stored hash (unknown e-mail, an OIDC-only account) a dummy hash is
 * verified instead, so the answer takes as long either way and timing does not tell which accounts exist.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummy ??= hashPassword('dummy password for unknown accounts');
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
