import type { z } from 'zod';
import { badRequest } from './errors';

/**
 * Opaque page cursors: the key of a page's last row as base64url JSON, checked against `schema` when it comes
 * back. Every keyset-paged endpoint uses one codec of these, so a cursor is read and refused the same way.
 */
export function cursorCodec<S extends z.ZodType<object>>(schema: S) {
  return {
    encode: (key: z.infer<S>): string => Buffer.from(JSON.stringify(key)).toString('base64url'),
    /** The key in `cursor`, or null when it is not a cursor of this shape. */
    tryDecode(cursor: string): z.infer<S> | null {
      let v: unknown;
      try {
        v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        return null;
      }
      const r = schema.safeParse(v);
      return r.success ? r.data : null;
    },
    /** The key in `cursor` (undefined without one); a cursor that does not decode is a 400 naming `query.cursor`. */
    decode(cursor: string | undefined): z.infer<S> | undefined {
      if (cursor === undefined || cursor === '') return undefined;
      const key = this.tryDecode(cursor);
      if (key === null) throw badRequest('Invalid cursor', [{ path: 'query.cursor', message: 'not a cursor from this endpoint' }]);
      return key;
    },
  };
}
export type CursorCodec<K extends object> = ReturnType<typeof cursorCodec<z.ZodType<K>>>;
