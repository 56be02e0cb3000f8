import type { ActivityRecord, Artifact, ChangeSet, SessionOutput, WireActivity, WireSession } from './types.ts';
import type { SessionRecord } from './store.ts';
import { formatMicros } from './time.ts';
import { activityIdFor, commitIdFor, planIdFor } from './ids.ts';
import { commitMessage, cumulativePatch } from './content/diff.ts';
import { prDescription } from './content/messages.ts';

/** Serialises sessions and activities the way the live API does (proto3 JSON: default values omitted; input-only fields absent). */

function changeSet(s: SessionRecord, files: number): ChangeSet {
  const cs: ChangeSet = {
    source: s.source ?? '',
    gitPatch: {
      unidiffPatch: cumulativePatch(s.topic, s.seed, files),
      baseCommitId: commitIdFor(s.seed),
      suggestedCommitMessage: commitMessage(s.topic),
    },
  };
  // proto3 JSON drops empty strings: a repoless change set has no source.
  if (!cs.source) delete (cs as Partial<ChangeSet>).source;
  return cs;
}

/** A 1x1 PNG: what a `media` artifact (a screenshot of the change) carries, base64-encoded. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The test run the agent reports on its last step: passing, with a seeded test count. */
function bashOutput(s: SessionRecord): { command: string; output: string; exitCode: number } {
  const tests = 20 + (s.seed % 180);
  return { command: 'npm test', output: `> test\n> vitest run\n\n Test Files  ${1 + (tests % 9)} passed\n      Tests  ${tests} passed\n`, exitCode: 0 };
}

/** The PR url of a session that opened one. */
export function prUrl(s: SessionRecord): string | undefined {
  if (s.output !== 'pr' || !s.source) return undefined;
  if (s.prUrl) return s.prUrl; // opened on a GitHub simulator (github-bridge.ts)
  const [, , owner, repo] = s.source.split('/');
  return `https://github.com/${owner}/${repo}/pull/${s.prNumber}`;
}

function outputs(s: SessionRecord): SessionOutput[] | undefined {
  if (!s.output) return undefined;
  if (s.output === 'pr') {
    return [{
      pullRequest: {
        url: prUrl(s)!,
        title: s.title,
        description: prDescription(s.topic, s.agent.planSteps.map((p) => p.title)),
        baseRef: s.startingBranch ?? 'main',
        headRef: s.workingBranch ?? `jules/${s.id}`,
      },
    }];
  }
  return [{ changeSet: changeSet(s, s.outputFiles) }];
}

/** The wire Session. */
export function sessionToWire(s: SessionRecord): WireSession {
  const w: WireSession = {
    name: `sessions/${s.id}`,
    id: s.id,
    prompt: s.prompt,
    title: s.title,
    createTime: formatMicros(s.createUs),
    updateTime: formatMicros(s.updateUs),
    state: s.state,
    url: `https://jules.google.com/session/${s.id}`,
  };
  if (s.source) {
    w.sourceContext = { source: s.source };
    if (s.startingBranch) w.sourceContext.githubRepoContext = { startingBranch: s.startingBranch };
    if (s.workingBranch) w.sourceContext.workingBranch = s.workingBranch;
    if (s.environmentVariablesEnabled) w.sourceContext.environmentVariablesEnabled = true;
  }
  // requirePlanApproval and automationMode are input-only on the live API: accepted at create, never read back.
  const out = outputs(s);
  if (out) w.outputs = out;
  if (s.archived) w.archived = true;
  return w;
}

/** The wire Activity. */
export function activityToWire(s: SessionRecord, r: ActivityRecord): WireActivity {
  const id = activityIdFor(s.seed, r.n);
  const w: WireActivity = { name: `sessions/${s.id}/activities/${id}`, id, createTime: formatMicros(r.t), originator: r.originator };
  switch (r.kind) {
    case 'started':
      w.description = 'Session started';
      break;
    case 'agentMessaged':
      w.agentMessaged = { agentMessage: r.text ?? '' };
      break;
    case 'userMessaged':
      w.userMessaged = { userMessage: r.text ?? '' };
      break;
    case 'planGenerated': {
      const planId = r.text ?? planIdFor(s.seed, r.n);
      w.planGenerated = {
        plan: {
          id: planId,
          steps: s.agent.planSteps.map((st, index) => ({
            id: planIdFor(s.seed, 10_000 + r.n * 16 + index), title: st.title, description: st.description, index,
          })),
          createTime: w.createTime,
        },
      };
      break;
    }
    case 'planApproved':
      w.planApproved = { planId: r.text ?? '' };
      break;
    case 'progressUpdated':
      w.progressUpdated = r.detail ? { title: r.text ?? '', description: r.detail } : { title: r.text ?? '' };
      break;
    case 'sessionCompleted':
      w.sessionCompleted = {};
      break;
    case 'sessionFailed':
      w.sessionFailed = { reason: r.text ?? '' };
      break;
  }
  const artifacts: Artifact[] = [];
  if (r.files) artifacts.push({ changeSet: changeSet(s, r.files) });
  if (r.extra === 'bash') artifacts.push({ bashOutput: bashOutput(s) });
  if (r.extra === 'media') artifacts.push({ media: { data: PIXEL_PNG, mimeType: 'image/png' } });
  if (artifacts.length) w.artifacts = artifacts;
  return w;
}
