import { createHmac, randomUUID } from 'node:crypto';

/** An issue as a webhook describes it; everything else in the payload gets fixed test values. */
export interface JiraIssue {
  /** e.g. `SHOP-7`. */
  key: string;
  /** Default: 10000 + the key's number. */
  id?: string;
  summary: string;
  description?: string | null;
  labels?: string[];
  /** The project key; default: the key's prefix. */
  project?: string;
}

const SITE = 'https://test.atlassian.net';

/**
 * Jira Cloud's issue webhook body: { timestamp, webhookEvent: 'jira:issue_created'|'jira:issue_updated',
 * issue_event_type_name, user: {...}, issue: { id, key, self, fields: { summary, description, labels, project:
 * { key }, issuetype: { name } } }, changelog? }. `changedLabels` adds the changelog item Jira writes for a label
 * change (space-separated names in fromString/toString); the issue's labels default to its `to`.
 */
export function issueEvent(o: { event: 'jira:issue_created' | 'jira:issue_updated'; issue: JiraIssue; nowMs?: number; changedLabels?: { from: string[]; to: string[] } }): string {
  const now = o.nowMs ?? Date.now();
  const { issue } = o;
  const id = issue.id ?? String(10000 + Number(/-(\d+)$/.exec(issue.key)?.[1] ?? 0));
  const project = issue.project ?? issue.key.split('-')[0]!;
  const at = new Date(now).toISOString().replace('Z', '+0000');
  const created = o.event === 'jira:issue_created';
  return JSON.stringify({
    timestamp: now,
    webhookEvent: o.event,
    issue_event_type_name: created ? 'issue_created' : 'issue_updated',
    user: { self: `${SITE}/rest/api/2/user?accountId=557058:test-alice`, accountId: '557058:test-alice', displayName: 'Alice', active: true, timeZone: 'UTC', accountType: 'atlassian' },
    issue: {
      id,
      self: `${SITE}/rest/api/2/issue/${id}`,
      key: issue.key,
      fields: {
        summary: issue.summary,
        description: issue.description ?? null,
        labels: issue.labels ?? o.changedLabels?.to ?? [],
        project: { self: `${SITE}/rest/api/2/project/${project}`, id: '10000', key: project, name: project, projectTypeKey: 'software' },
        issuetype: { id: '10001', name: 'Task', subtask: false },
        status: { id: '10000', name: 'To Do', statusCategory: { key: 'new', name: 'To Do' } },
        priority: { id: '3', name: 'Medium' },
        created: at,
        updated: at,
      },
    },
    ...(o.changedLabels
      ? {
          changelog: {
            id: String(now % 1e6),
            items: [{ field: 'labels', fieldtype: 'jira', fieldId: 'labels', from: null, fromString: o.changedLabels.from.join(' '), to: null, toString: o.changedLabels.to.join(' ') }],
          },
        }
      : {}),
  });
}

/**
 * content-type, x-hub-signature: sha256=<hex HMAC of body>, x-atlassian-webhook-identifier (random unless given),
 * user-agent 'Atlassian Webhook HTTP Client'.
 */
export function signJira(secret: string, body: string, id?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'x-atlassian-webhook-identifier': id ?? randomUUID(),
    'user-agent': 'Atlassian Webhook HTTP Client',
  };
}

/** POSTs a signed Jira webhook `body` to `url` (an orchestrator /hooks/{id}); returns the fetch Response. */
export function sendJiraWebhook(url: string, secret: string, body: string, id?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: signJira(secret, body, id), body });
}
