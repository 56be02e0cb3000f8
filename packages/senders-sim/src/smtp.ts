import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the sink accepted. */
export interface SinkMessage {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The text/plain part (or the whole body when it is not multipart), decoded simply. */
  text: string;
  /** The text/html part, when there is one. */
  html: string | null;
}

export interface SmtpSinkOptions {
  port?: number;
  /** When set, AUTH is required with exactly these credentials. */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: SinkMessage[];
  close(): Promise<void>;
}

const unfold = (head: string) => head.replace(/\r?\n[ \t]+/g, ' ');
function header(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfold(head));
  return m ? decodeWords(m[1]!.trim()) : '';
}
/** RFC 2047 encoded words (=?utf-8?B?...?= / Q), the ones nodemailer writes. */
function decodeWords(v: string): string {
  return v.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_m, _cs: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
  );
}
function qp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
function decodeBody(head: string, body: string): string {
  const enc = header(head, 'content-transfer-encoding').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return qp(body);
  return body;
}
function split(part: string): [string, string] {
  const i = part.search(/\r?\n\r?\n/);
  if (i < 0) return [part, ''];
  return [part.slice(0, i), part.slice(i).replace(/^\r?\n\r?\n/, '')];
}

/** Reads subject, text and html from a raw message: single part, or multipart (one level of nesting is enough for nodemailer's alternative). */
export function parseMessage(raw: string): { subject: string; text: string; html: string | null } {
  const [head, body] = split(raw);
  const subject = header(head, 'subject');
  const parts: Array<[string, string]> = [];
  const walk = (h: string, b: string) => {
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfold(h))?.[1];
    if (!/^multipart\//i.test(header(h, 'content-type')) || !boundary) return void parts.push([h, b]);
    for (const chunk of b.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const [ph, pb] = split(chunk.replace(/^\r?\n/, ''));
      walk(ph, pb.replace(/\r?\n$/, ''));
    }
  };
  walk(head, body);
  const of = (type: string) => parts.find(([h]) => (header(h, 'content-type') || 'text/plain').toLowerCase().startsWith(type));
  const text = of('text/plain');
  const html = of('text/html');
  return { subject, text: text ? decodeBody(text[0], text[1]) : '', html: html ? decodeBody(html[0], html[1]) : null };
}

/** An SMTP sink on 127.0.0.1 (smtp-server, no TLS, AUTH only when configured) that keeps every message. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...parseMessage(raw) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const cred = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : '';
  return { url: `smtp://${cred}127.0.0.1:${port}`, port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
