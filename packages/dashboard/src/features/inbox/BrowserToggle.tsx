import { useState } from 'react';
import { Switch } from '../../lib/ui';
import { browserNotificationsOn, browserPermission, setBrowserNotifications, type BrowserPermission } from './browser-notify';

const REFUSED: Record<BrowserPermission, string | null> = {
  granted: null,
  default: 'The browser did not give permission (the prompt was closed). Try again and choose Allow.',
  denied: 'The browser blocks notifications for this site. Allow them in the site settings (the icon left of the address), then switch this on again.',
  unsupported: 'This browser cannot show notifications here (it has no Notification API, or the page is not served over HTTPS).',
};

/** The opt-in for system notifications: warnings and critical notices while this tab is in the background. */
export function BrowserToggle() {
  const [on, setOn] = useState(browserNotificationsOn);
  const [problem, setProblem] = useState<string | null>(() => (browserPermission() === 'denied' ? REFUSED.denied : null));
  const change = async (next: boolean) => {
    const r = await setBrowserNotifications(next);
    setOn(r.on);
    setProblem(next && !r.on ? REFUSED[r.permission] : null);
  };
  return (
    <div className="ntc-browser" data-testid="browser-notifications">
      <Switch checked={on} onChange={(v) => void change(v)} label="Browser notifications" testId="browser-notifications-switch" />
      <span className="muted small">Warnings and critical notices, while this tab is in the background (this browser only).</span>
      {problem && (
        <p className="ntc-refused small" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
