/*
 * The start-up banner `autopilot serve` prints on stderr once it listens: plain ASCII in a box, one `Label: value`
 * per line, so a person sees it among JSON log lines and a script can read it (`/^\| +URL: +(\S+)/m`,
 * `/^\| +Owner key: +(\S+)/m`, `/^\| +Log in: +(\S+)/m`). The owner key line appears only on the start that
 * generated the key; the log-in link is a single-use token valid 10 minutes, never the key.
 */

export interface BannerFacts {
  version: string;
  /** Where the server listens, as `listen()` reported it. */
  url: string;
  /** AUTOPILOT_PUBLIC_URL: where people reach it (behind a proxy), when set. */
  publicUrl?: string;
  simulated: boolean;
  julesBaseUrl?: string;
  /** Only on the start that generated it. */
  ownerKey?: string;
  loginLink?: { url: string; ttlMinutes: number };
}

/** Where a browser opens the server: AUTOPILOT_PUBLIC_URL when set, else the listener (loopback for any-address). */
export const browserUrl = (listening: string, publicUrl?: string) => publicUrl ?? localUrl(listening).url;

/** A URL a browser on this machine can open: an any-address listener is reached on loopback. */
export function localUrl(url: string): { url: string; allInterfaces: boolean } {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '::') {
    u.hostname = '127.0.0.1';
    return { url: u.origin, allInterfaces: true };
  }
  return { url: u.origin, allInterfaces: false };
}

export function formatBanner(f: BannerFacts): string {
  const { url, allInterfaces } = localUrl(f.url);
  const lines: Array<[string, string] | string> = [`Jules Autopilot ${f.version} is serving`, ''];
  if (f.publicUrl) {
    lines.push(['URL', f.publicUrl]);
    lines.push(['Listening', `${url}${allInterfaces ? ' (every interface)' : ''}`]);
  } else {
    lines.push(['URL', `${url}${allInterfaces ? ' (listening on every interface)' : ''}`]);
  }
  lines.push(['Jules', f.simulated ? 'simulated (demo sessions; add a Jules account or set JULES_API_KEY for real ones)' : `real (${f.julesBaseUrl ?? 'Jules API'})`]);
  if (f.ownerKey) {
    lines.push(['Owner key', f.ownerKey]);
    lines.push(['', 'shown once, on this first start: store it now (it is kept only hashed)']);
  }
  if (f.loginLink) {
    lines.push(['Log in', f.loginLink.url]);
    lines.push(['', `one click, works once, for ${f.loginLink.ttlMinutes} minutes; a new one: autopilot login-link`]);
  }
  const labelWidth = Math.max(...lines.map((l) => (typeof l === 'string' ? 0 : l[0].length + 1)));
  const text = lines.map((l) => (typeof l === 'string' ? l : `${(l[0] ? `${l[0]}:` : '').padEnd(labelWidth)} ${l[1]}`));
  const width = Math.max(...text.map((t) => t.length));
  const rule = `+${'-'.repeat(width + 4)}+`;
  return [rule, ...text.map((t) => `|  ${t.padEnd(width)}  |`), rule].join('\n');
}

/** AUTOPILOT_BANNER=0 (or off/false/no) turns the banner off, except on the first start: it carries the only copy of the owner key. */
export const bannerWanted = (env: NodeJS.ProcessEnv = process.env) => !/^(0|off|false|no)$/i.test((env.AUTOPILOT_BANNER ?? '').trim());
