import { safeLink, shouldNotify, type Severity } from './logic';

/* Browser (system) notifications on opt-in: the choice lives in localStorage, the permission with the browser. */

const KEY = 'autopilot.browserNotifications';

export type BrowserPermission = NotificationPermission | 'unsupported';

/** What the browser allows now ('unsupported' without the Notification API, e.g. some phones or an insecure origin). */
export function browserPermission(): BrowserPermission {
  return typeof window !== 'undefined' && 'Notification' in window ? Notification.permission : 'unsupported';
}

/** Whether this browser opted in (and still may). */
export function browserNotificationsOn(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on' && browserPermission() === 'granted';
  } catch {
    return false;
  }
}

/**
 * Turns browser notifications on (asking the browser for permission first) or off; answers what happened so the
 * page can explain a refusal.
 */
export async function setBrowserNotifications(on: boolean): Promise<{ on: boolean; permission: BrowserPermission }> {
  if (!on) {
    localStorage.removeItem(KEY);
    return { on: false, permission: browserPermission() };
  }
  if (browserPermission() === 'unsupported') return { on: false, permission: 'unsupported' };
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission === 'granted') localStorage.setItem(KEY, 'on');
  else localStorage.removeItem(KEY);
  return { on: permission === 'granted', permission };
}

/** Shows a system notification for an `inbox.raised` when opted in, allowed, the tab is hidden and it is a warning or worse. */
export function maybeNotify(n: { id: string; severity: Severity; title: string; body: string; sessionId: string | null; links: { href: string }[] }, open: (href: string) => void) {
  if (!shouldNotify(n.severity, { enabled: browserNotificationsOn(), permission: browserPermission(), hidden: document.visibilityState === 'hidden' })) return;
  const inApp = n.links.map((l) => safeLink(l.href)).find((l) => l && !l.external)?.href ?? (n.sessionId ? `/sessions/${encodeURIComponent(n.sessionId)}` : '/notifications');
  // The tag makes a grouped repeat replace the earlier system notification instead of stacking.
  const sys = new Notification(n.title, { body: n.body.slice(0, 300), tag: n.id });
  sys.onclick = () => {
    window.focus();
    open(inApp);
    sys.close();
  };
}
