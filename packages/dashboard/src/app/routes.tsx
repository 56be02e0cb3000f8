import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { SessionsPage } from '../features/sessions/SessionsPage';
import { PageBoundary } from './PageBoundary';
import { matchPath, navigate } from './router';

// The board is the landing page and ships in the main bundle; every other page loads on demand (its own chunk),
// so the bundle a first visit needs stays small as pages are added.
const SessionDetailPage = lazy(() => import('../features/sessions/SessionDetailPage').then((m) => ({ default: m.SessionDetailPage })));
const KeeperPage = lazy(() => import('../features/keeper/KeeperPage').then((m) => ({ default: m.KeeperPage })));
const ProvidersPage = lazy(() => import('../features/providers/ProvidersPage').then((m) => ({ default: m.ProvidersPage })));
const CostsPage = lazy(() => import('../features/llm/CostsPage').then((m) => ({ default: m.CostsPage })));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const TemplatesPage = lazy(() => import('../features/templates/TemplatesPage').then((m) => ({ default: m.TemplatesPage })));
const BatchesPage = lazy(() => import('../features/batches/BatchesPage').then((m) => ({ default: m.BatchesPage })));
const BatchDetailPage = lazy(() => import('../features/batches/BatchDetailPage').then((m) => ({ default: m.BatchDetailPage })));
const SchedulesPage = lazy(() => import('../features/schedules/SchedulesPage').then((m) => ({ default: m.SchedulesPage })));
const CiPage = lazy(() => import('../features/github/CiPage').then((m) => ({ default: m.CiPage })));
const NotificationsPage = lazy(() => import('../features/inbox/NotificationsPage').then((m) => ({ default: m.NotificationsPage })));
const WebhooksPage = lazy(() => import('../features/hooks/WebhooksPage').then((m) => ({ default: m.WebhooksPage })));
const ChannelsPage = lazy(() => import('../features/channels/ChannelsPage').then((m) => ({ default: m.ChannelsPage })));
const AuditPage = lazy(() => import('../features/audit/AuditPage').then((m) => ({ default: m.AuditPage })));
const InviteAcceptPage = lazy(() => import('../features/people/InvitePage').then((m) => ({ default: m.InviteAcceptPage })));
const SystemPage = lazy(() => import('../features/system/SystemPage').then((m) => ({ default: m.SystemPage })));

interface Route {
  path: string;
  render: (params: Record<string, string>) => ReactNode;
}

/** The route table: one entry per page; features add theirs here. */
const ROUTES: Route[] = [
  { path: '/sessions', render: () => <SessionsPage /> },
  { path: '/sessions/:id', render: (p) => <SessionDetailPage key={p.id} id={p.id} /> },
  { path: '/templates', render: () => <TemplatesPage /> },
  { path: '/templates/:id', render: (p) => <TemplatesPage key={p.id} id={p.id} /> },
  { path: '/batches', render: () => <BatchesPage /> },
  { path: '/batches/:id', render: (p) => <BatchDetailPage key={p.id} id={p.id} /> },
  { path: '/schedules', render: () => <SchedulesPage /> },
  { path: '/schedules/:id', render: (p) => <SchedulesPage key={p.id} id={p.id} /> },
  { path: '/keeper', render: () => <KeeperPage /> },
  { path: '/ci', render: () => <CiPage /> },
  { path: '/notifications', render: () => <NotificationsPage /> },
  { path: '/webhooks', render: () => <WebhooksPage /> },
  { path: '/webhooks/:id', render: (p) => <WebhooksPage key={p.id} id={p.id} /> },
  { path: '/channels', render: () => <ChannelsPage /> },
  { path: '/channels/:id', render: (p) => <ChannelsPage key={p.id} id={p.id} /> },
  { path: '/providers', render: () => <ProvidersPage /> },
  { path: '/costs', render: () => <CostsPage /> },
  { path: '/settings', render: () => <SettingsPage section="accounts" /> },
  { path: '/settings/:section', render: (p) => <SettingsPage section={p.section} /> },
  { path: '/system', render: () => <SystemPage /> },
  { path: '/invite/:token', render: (p) => <InviteAcceptPage key={p.token} token={p.token} /> },
  { path: '/audit', render: () => <AuditPage /> },
];

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** Renders the page for `path`; `/` goes to Sessions; unknown paths say so. */
export function RouteView({ path }: { path: string }) {
  if (path === '/' || path === '') return <Redirect to="/sessions" />;
  for (const r of ROUTES) {
    const params = matchPath(r.path, path);
    if (params)
      return (
        <PageBoundary key={path}>
          <Suspense fallback={<p className="muted">Loading…</p>}>{r.render(params)}</Suspense>
        </PageBoundary>
      );
  }
  return (
    <section>
      <h1>Not found</h1>
      <p className="muted">There is no page at {path}.</p>
    </section>
  );
}
