/**
 * Stand-ins for the services events come from and go to (issue #15), each a real HTTP (or SMTP) server on
 * 127.0.0.1 speaking that service's wire protocol: Slack (signed slash commands, Web API chat.postMessage,
 * response_url), Linear (signed webhooks, GraphQL commentCreate), Jira (signed webhooks), an SMTP sink, and a
 * webhook receiver that can be told to fail (also answering like a Slack incoming webhook).
 */
export * from './slack';
export * from './linear';
export * from './jira';
export * from './smtp';
export * from './receiver';
