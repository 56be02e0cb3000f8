import { useState, type InputHTMLAttributes } from 'react';
import { ApiError } from '@autopilot/client';

/** What a failed call means for a form: errors by field (`body.email` -> `email`) and one message for the rest. */
export interface FormErrors {
  fields: Record<string, string>;
  message?: string;
}

/** Sorts an error of a people call into the fields it names and a message in words a person can act on. */
export function formErrors(err: unknown, known: string[]): FormErrors {
  if (!(err instanceof ApiError)) return { fields: {}, message: 'Something went wrong. Try again.' };
  const named = err.fieldErrors();
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(named)) if (known.includes(k)) fields[k] = v;
  const unplaced = Object.keys(named).filter((k) => !known.includes(k));
  if (err.code === 'network_error') return { fields, message: 'Cannot reach the orchestrator. Is it running?' };
  if (err.status === 429) return { fields, message: 'Too many attempts. Wait a minute, then try again.' };
  if (Object.keys(fields).length && !unplaced.length) return { fields };
  return { fields, message: err.message };
}

/** A labelled input with its error (tied by aria-describedby) and an optional hint. */
export function Field({ id, label, error, hint, ...input }: { id: string; label: string; error?: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="pp-field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={id} aria-invalid={error ? true : undefined} aria-describedby={described} {...input} />
      {hint && (
        <span className="pp-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="pp-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

export const PASSWORD_POLICY = 'At least 10 characters (at most 256), and not your e-mail address.';

/**
 * A rough strength estimate for the hint under a new password (0-4): length and variety of characters. The server's
 * policy is the rule; this only nudges towards longer passwords.
 */
export function passwordScore(pw: string, email = ''): number {
  if (!pw) return 0;
  if (pw.length < 10 || (email && pw.toLowerCase() === email.trim().toLowerCase())) return 1;
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  const unique = new Set(pw).size;
  let s = 2;
  if (pw.length >= 14 && kinds >= 2 && unique >= 8) s = 3;
  if ((pw.length >= 18 && unique >= 10) || (pw.length >= 14 && kinds >= 3 && unique >= 10)) s = 4;
  return s;
}

const SCORE_WORDS = ['', 'Too short or too easy to guess', 'Acceptable: longer is stronger', 'Good', 'Strong'];

/** A new-password input with a strength meter and the policy as its hint. */
export function NewPassword({ id, label, email, error, onValue }: { id: string; label: string; email?: string; error?: string; onValue?: (v: string) => void }) {
  const [value, setValue] = useState('');
  const score = passwordScore(value, email);
  return (
    <div className="pp-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={id}
        type="password"
        autoComplete="new-password"
        maxLength={256}
        value={value}
        onChange={(e) => (setValue(e.target.value), onValue?.(e.target.value))}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
      />
      <div className="pp-strength" data-score={score} aria-hidden="true">
        <span />
        <span />
        <span />
        <span />
      </div>
      <span className="pp-hint" id={`${id}-hint`} data-testid={`${id}-strength`}>
        {value ? `${SCORE_WORDS[score]}. ` : ''}
        {PASSWORD_POLICY}
      </span>
      {error && (
        <span className="pp-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}
