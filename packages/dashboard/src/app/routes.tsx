import type { ReactNode } from 'react';
import { SystemPage } from '../features/system/SystemPage';
import { Placeholder } from './Placeholder';
import { matchPath, navigate } from './router';
import { useEffect } from 'react';

interface Route {
  path: string;
  render: (params: Record<string, string>) => ReactNode;
}

/** The route table: one entry per page; features add theirs here. */
const ROUTES: Route[] = [
  { path: '/sessions', render: () => <Placeholder title="Sessions" what="Every Jules session by what it needs from you." /> },
  { path: '/keeper', render: () => <Placeholder title="Keeper" what="The keeper watches sessions, answers questions and nudges stuck ones." /> },
  { path: '/providers', render: () => <Placeholder title="Providers" what="LLM providers, their health and routing." /> },
  { path: '/costs', render: () => <Placeholder title="Costs" what="LLM usage and budgets." /> },
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
