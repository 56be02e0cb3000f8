import type { HookPreset } from '@autopilot/contracts';

/* What each preset means to the person setting it up: how the sender signs, and where URL and secret go. */

export const PRESETS: readonly HookPreset[] = ['standard', 'github', 'linear', 'slack', 'jira'];

export const PRESET_LABELS: Record<HookPreset, string> = {
  standard: 'Standard Webhooks (any sender)',
  github: 'GitHub',
  linear: 'Linear',
  slack: 'Slack',
  jira: 'Jira',
};

/** One line: how deliveries of this sender are verified. */
export const PRESET_SIGNING: Record<HookPreset, string> = {
  standard: 'Signed with webhook-id, webhook-timestamp and webhook-signature (HMAC-SHA256, secret whsec_…); 5-minute window.',
  github: 'X-Hub-Signature-256: HMAC-SHA256 of the body with the webhook secret; X-GitHub-Delivery is the id.',
  linear: 'Linear-Signature: HMAC-SHA256 of the body; webhookTimestamp in the body must be within 60 s.',
  slack: "X-Slack-Signature: v0 HMAC over timestamp and body with the app's signing secret; 5-minute window.",
  jira: 'X-Hub-Signature: sha256= HMAC of the body with the secret set on the Jira webhook.',
};

/** Whether the sender makes the secret (you paste theirs here) or takes ours (generated, pasted there). */
export const SECRET_FROM_SENDER: Record<HookPreset, boolean> = { standard: false, github: false, linear: true, slack: true, jira: false };

/** Step by step: where the payload URL and the secret go on the sender's side. */
export function setupSteps(preset: HookPreset): string[] {
  switch (preset) {
    case 'slack':
      return [
        'At api.slack.com/apps open your app → Slash Commands → Create New Command: command /jules, Request URL = the payload URL above.',
        'Basic Information → App Credentials → Signing Secret: that is the secret of this endpoint (paste it when creating, or rotate to it).',
        'To answer in the thread, add a bot token (chat:write) under Reply credentials on the endpoint page.',
        'Install the app to the workspace, then type /jules <prompt> [owner/repo] in a channel.',
      ];
    case 'linear':
      return [
        'Linear → Settings → API → Webhooks → New webhook: URL = the payload URL above, resource types Issues (and Comments if rules need them).',
        "Linear shows the webhook's signing secret once created: paste it here (create with it, or rotate to it).",
        'To comment with the PR link, add a Linear API key under Reply credentials on the endpoint page.',
        'Label an issue jules: the starter rule launches a session with its title and description.',
      ];
    case 'jira':
      return [
        'Jira → Settings → System → WebHooks → Create a WebHook: URL = the payload URL above.',
        'Secret: paste the secret shown here; choose the events (e.g. Issue created / updated) and an optional JQL filter.',
        'Save; each delivery then carries X-Hub-Signature, checked against this secret.',
      ];
    case 'github':
      return [
        'Repository (or organisation) → Settings → Webhooks → Add webhook: Payload URL = the payload URL above.',
        'Content type: application/json. Secret: paste the secret shown here.',
        'Pick the events the rules need (e.g. Issues for labels), keep SSL verification on, and Add webhook.',
      ];
    case 'standard':
      return [
        "In the sender's webhook settings, set the endpoint URL to the payload URL above.",
        'Give it the secret shown here (whsec_…): it signs with webhook-id, webhook-timestamp and webhook-signature (e.g. the standardwebhooks library).',
        'Send a test event: it appears in the delivery log of this endpoint.',
      ];
  }
}
