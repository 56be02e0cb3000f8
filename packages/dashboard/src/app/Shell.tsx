import type { ReactNode } from 'react';
import type { Me } from '@autopilot/contracts';
import { useAuth } from '../lib/api';
import { useConnectionState } from '../lib/events';
import { useTheme } from '../lib/theme';
import { Bell } from '../features/inbox/Bell';
import { WorkspaceSwitcher } from '../features/people/WorkspaceSwitcher';
import { navFor } from './nav';
import { Link, useLocation } from './router';


const CONNECTION_LABEL = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', closed: 'Offline' } as const;

function ConnectionBadge() {
  const state = useConnectionState();
  return (
    <span className={`conn conn-${state}`} data-testid="connection" data-state={state} role="status" aria-live="polite" title="Live updates from the orchestrator">
      <span className="dot" aria-hidden="true" />
      {CONNECTION_LABEL[state]}
    </span>
  );
}

function ThemeToggle() {
  const [choice, cycle] = useTheme();
  const label = choice === 'system' ? 'Theme: system' : choice === 'dark' ? 'Theme: dark' : 'Theme: light';
  return (
    <button type="button" className="ghost" onClick={cycle} aria-label={`${label} (click to change)`} title={label}>
      {choice === 'system' ? '◐' : choice === 'dark' ? '☾' : '☀'}
      <span className="hide-narrow"> {choice}</span>
    </button>
  );
}

/** Header, navigation, the simulator banner and the page area. */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { logout } = useAuth();
  const { path } = useLocation();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/sessions" className="brand">
          Jules Autopilot
        </Link>
        <WorkspaceSwitcher me={me} />
        <span className="role" data-testid="role" title={me.person ? `${me.person.name} <${me.person.email}>` : `Key "${me.key.name}"${me.key.publicId ? ` (id ${me.key.publicId})` : ''}`}>
          {me.key.role}
        </span>
        <span className="spacer" />
        <ConnectionBadge />
        <Bell me={me} />
        <ThemeToggle />
        <button type="button" className="ghost" onClick={() => logout()}>
          Sign out
        </button>
      </header>
      {me.simulated && (
        <div className="banner" role="note" data-testid="simulated-banner">
          Sessions are simulated by the built-in Jules simulator. Set JULES_API_KEY to work with real Jules sessions.
        </div>
      )}
      <div className="body">
        <nav className="sidenav" aria-label="Main">
          <ul>
            {navFor(me.key.role).map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={path === n.href || path.startsWith(`${n.href}/`) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="page" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
