import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

async function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, line };
}

describe('jules-sim command line', () => {
  it('prints exactly the base URL, serves pre-created sessions and stops on SIGTERM', async () => {
    const { child, line } = await start(['--port', '0', '--sessions', '7', '--seed', '4', '--api-key', 'k1', '--speed', '5']);
    try {
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1alpha$/);
      expect(line).not.toMatch(/:0\//);
      const res = await fetch(`${line}/sessions`, { headers: { 'x-goog-api-key': 'k1' } });
      expect(((await res.json()) as any).sessions).toHaveLength(7);
      expect((await fetch(`${line}/sessions`, { headers: { 'x-goog-api-key': 'k2' } })).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('loads a scenario file with scripted timelines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jules-sim-'));
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify({
      sources: ['me/app'],
      sessions: [{ id: '1234567890123456789', prompt: 'Scripted', source: 'me/app', createdSecondsAgo: 60,
        timeline: [{ atSeconds: 1, activity: 'planGenerated', steps: 3, state: 'IN_PROGRESS' }, { atSeconds: 2, activity: 'sessionCompleted' }] }],
    }));
    const { child, line } = await start(['--port', '0', '--scenario', file]);
    try {
      const s = (await (await fetch(`${line}/sessions/1234567890123456789`, { headers: { 'x-goog-api-key': 'x' } })).json()) as any;
      expect(s.state).toBe('COMPLETED');
      expect(s.outputs[0].pullRequest.url).toMatch(/^https:\/\/github\.com\/me\/app\/pull\/\d+$/);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('--state keeps the world across a restart (saved on SIGTERM, continued at start)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jules-sim-state-'));
    const file = join(dir, 'world.json');
    const headers = { 'x-goog-api-key': 'k', 'content-type': 'application/json' };
    const ids = async (base: string) => (((await (await fetch(`${base}/sessions?pageSize=100`, { headers })).json()) as any).sessions ?? []).map((s: { id: string }) => s.id).sort();
    const first = await start(['--port', '0', '--sessions', '4', '--seed', '9', '--api-key', 'k', '--state', file]);
    let before: string[];
    try {
      const created = (await (await fetch(`${first.line}/sessions`, { method: 'POST', headers, body: JSON.stringify({ prompt: 'Kept across restarts' }) })).json()) as { id: string };
      before = await ids(first.line);
      expect(before).toContain(created.id);
      expect(before).toHaveLength(5);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect((await once(first.child, 'exit'))[0]).toBe(0);
    // Started again with other options: the saved world wins.
    const second = await start(['--port', '0', '--sessions', '1', '--seed', '1', '--api-key', 'k', '--state', file]);
    try {
      expect(await ids(second.line)).toEqual(before);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect((await once(second.child, 'exit'))[0]).toBe(0);
  });
});
