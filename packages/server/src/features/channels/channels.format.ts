import type { AppEvent } from '@autopilot/contracts';

/** Slack's three control characters: escaped, an untrusted title cannot ping @channel or forge a `<url|label>` link. */
export const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** The Slack incoming-webhook URL shown in answers: it is the credential, so only scheme and host. */
export function maskUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}

interface Notice { severity: string; title: string; body: string; repo: string | null; links: Array<{ label: string; href: string }> }
const noticeOf = (e: Pick<AppEvent, 'type' | 'data'>): Notice | null => (e.type === 'inbox.raised' ? (e.data as unknown as Notice) : null);

/** A relative link made absolute against the public URL; anything not http(s) after that is dropped. */
function absolute(href: string, publicUrl: string | undefined): string | null {
  try {
    const u = publicUrl ? new URL(href, publicUrl) : new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

const SEVERITY_MARK: Record<string, string> = { info: 'ℹ️', warning: '⚠️', critical: '🚨' };

/** A one-line summary of any event (untrusted parts are the caller's to escape). */
export function summary(e: Pick<AppEvent, 'type' | 'data'>): string {
  const n = noticeOf(e);
  if (n) return `[${n.severity}] ${n.title}`;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const bits = ['title', 'message', 'status', 'state', 'repo', 'id'].map((k) => d[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
  return `${e.type}${bits.length ? `: ${bits.slice(0, 3).join(' · ')}` : ''}`;
}

function linksOf(n: Notice, publicUrl: string | undefined) {
  return n.links.map((l) => ({ label: l.label, href: absolute(l.href, publicUrl) })).filter((l): l is { label: string; href: string } => l.href !== null);
}

/** The `{ text, blocks }` of a Slack incoming webhook: a notification with severity, title, body and links; other events one line. */
export function slackMessage(e: Pick<AppEvent, 'type' | 'data'>, publicUrl: string | undefined): { text: string; blocks: unknown[] } {
  const n = noticeOf(e);
  if (!n) {
    const text = slackEscape(summary(e));
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const head = `${SEVERITY_MARK[n.severity] ?? ''} *${slackEscape(n.title)}*`.trim();
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: n.body ? `${head}\n${slackEscape(n.body)}` : head } }];
  const links = linksOf(n, publicUrl);
  const context = [`severity: ${slackEscape(n.severity)}`, ...(n.repo ? [`repo: ${slackEscape(n.repo)}`] : [])];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  if (links.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links.map((l) => `<${l.href.replace(/[<>|]/g, encodeURIComponent)}|${slackEscape(l.label).replace(/\|/g, '¦')}>`).join(' · ') } });
  return { text: slackEscape(`[${n.severity}] ${n.title}`), blocks };
}

/** Subject, text and html of the e-mail for an event (everything from the event escaped in the html). */
export function emailMessage(e: Pick<AppEvent, 'type' | 'data' | 'at'>, publicUrl: string | undefined): { subject: string; text: string; html: string } {
  const n = noticeOf(e);
  const subject = summary(e).replace(/[\r\n]+/g, ' ').slice(0, 200);
  if (!n) {
    const text = `${summary(e)}\n\n${JSON.stringify(e.data, null, 2)}\n`;
    return { subject, text, html: `<p>${htmlEscape(summary(e))}</p><pre>${htmlEscape(JSON.stringify(e.data, null, 2))}</pre>` };
  }
  const links = linksOf(n, publicUrl);
  const text = [`${n.title} (${n.severity})`, '', n.body, '', ...links.map((l) => `${l.label}: ${l.href}`)].join('\n').trimEnd() + '\n';
  const html = [
    `<p><strong>${htmlEscape(n.title)}</strong> (${htmlEscape(n.severity)})</p>`,
    n.body ? `<p>${htmlEscape(n.body).replace(/\n/g, '<br>')}</p>` : '',
    links.length ? `<ul>${links.map((l) => `<li><a href="${htmlEscape(l.href)}">${htmlEscape(l.label)}</a></li>`).join('')}</ul>` : '',
  ].join('');
  return { subject, text, html };
}
