import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Link } from '../../app/router';
import './settings.css';

interface Section {
  id: string;
  label: string;
  component: LazyExoticComponent<ComponentType>;
}

// One tab per settings area; each lives in its own file (and chunk), so areas can grow without touching each other.
const SECTIONS: Section[] = [
  { id: 'accounts', label: 'Jules accounts', component: lazy(() => import('./AccountsSettings').then((m) => ({ default: m.AccountsSettings }))) },
  { id: 'keys', label: 'API keys', component: lazy(() => import('./KeysSettings').then((m) => ({ default: m.KeysSettings }))) },
  { id: 'members', label: 'Members', component: lazy(() => import('./MembersSettings').then((m) => ({ default: m.MembersSettings }))) },
  { id: 'workspace', label: 'Workspace', component: lazy(() => import('./WorkspaceSettings').then((m) => ({ default: m.WorkspaceSettings }))) },
  { id: 'routing', label: 'Routing policies', component: lazy(() => import('./RoutingSettings').then((m) => ({ default: m.RoutingSettings }))) },
  { id: 'data', label: 'Data', component: lazy(() => import('./DataSettings').then((m) => ({ default: m.DataSettings }))) },
  { id: 'github', label: 'GitHub', component: lazy(() => import('../github/GitHubSettings').then((m) => ({ default: m.GitHubSettings }))) },
];

/** Settings: tabs for Jules accounts, API keys, the workspace and LLM routing policies (keeper settings are on Keeper). */
export function SettingsPage({ section }: { section: string }) {
  const current = SECTIONS.find((s) => s.id === section);
  const Body = current?.component;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        {SECTIONS.map((s) => (
          <Link key={s.id} href={`/settings/${s.id}`} className="tab" aria-current={s.id === current?.id ? 'page' : undefined}>
            {s.label}
          </Link>
        ))}
      </nav>
      {Body ? (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Body />
        </Suspense>
      ) : (
        <p className="muted">There is no settings section called “{section}”.</p>
      )}
    </section>
  );
}
