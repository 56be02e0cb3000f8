import type { ReactNode } from 'react';
import { SystemPage } from '../features/system/SystemPage';
import { SessionsPage } from '../features/sessions/SessionsPage';
import { SessionDetailPage } from '../features/sessions/SessionDetailPage';
import { KeeperPage } from '../features/keeper/KeeperPage';
import { ProvidersPage } from '../features/providers/ProvidersPage';
import { CostsPage } from '../features/costs/CostsPage';
import { matchPath, navigate } from './router';
import { useEffect } from 'react';

interface Route {
  path: string;
  render: (params: Record<string, string>) => ReactNode;
}

/** The route table: one entry per page; features add theirs here. */
const ROUTES: Route[] = [
  { path: '/sessions', render: () => <SessionsPage /> },
  { path: '/sessions/:id', render: (p) => <SessionDetailPage key={p.id} id={p.id} /> },
  { path: '/keeper', render: () => <KeeperPage /> },
  { path: '/providers', render: () => <ProvidersPage /> },
  { path: '/costs', render: () => <CostsPage /> },
  { path: '/system', render: () => <SystemPage /> },
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
    if (params) return <>{r.render(params)}</>;
  }
  return (
    <section>
      <h1>Not found</h1>
      <p className="muted">There is no page at {path}.</p>
    </section>
  );
}
