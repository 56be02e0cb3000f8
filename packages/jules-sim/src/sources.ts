import type { WireSource } from './types.ts';
import type { SourceSpec } from './scenario.ts';

/** Connected GitHub repositories served when no others are configured. */
export const DEFAULT_SOURCES: readonly SourceSpec[] = [
  { owner: 'acme-corp', repo: 'storefront', defaultBranch: 'main', branches: ['main', 'develop', 'release/2.4'] },
  { owner: 'acme-corp', repo: 'payments-api', isPrivate: true, defaultBranch: 'main', branches: ['main', 'staging'] },
  { owner: 'acme-corp', repo: 'mobile-app', isPrivate: true, defaultBranch: 'develop', branches: ['develop', 'main'] },
  { owner: 'octo-labs', repo: 'data-pipeline', defaultBranch: 'main', branches: ['main'] },
  { owner: 'octo-labs', repo: 'docs-site', defaultBranch: 'main', branches: ['main', 'gh-pages'] },
  { owner: 'octo-labs', repo: 'cli-tools', defaultBranch: 'master', branches: ['master', 'next'] },
];

/** Turns `owner/repo` or a detailed spec into the wire Source. */
export function toWireSource(spec: SourceSpec): WireSource {
  const d = typeof spec === 'string'
    ? { owner: spec.split('/')[0], repo: spec.split('/')[1], isPrivate: false, defaultBranch: 'main', branches: ['main'] }
    : spec;
  const defaultBranch = d.defaultBranch ?? 'main';
  const branches = d.branches?.length ? d.branches : [defaultBranch];
  return {
    name: `sources/github/${d.owner}/${d.repo}`,
    id: `github/${d.owner}/${d.repo}`,
    githubRepo: {
      owner: d.owner,
      repo: d.repo,
      isPrivate: d.isPrivate ?? false,
      defaultBranch: { displayName: defaultBranch },
      branches: branches.map((b) => ({ displayName: b })),
    },
  };
}
