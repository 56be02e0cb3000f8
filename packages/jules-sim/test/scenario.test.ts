import { describe, expect, it } from 'vitest';
import { makeClient } from './helpers.ts';
import { parseScenario } from '../src/index.ts';

describe('scenarios', () => {
  it('plays a scripted timeline exactly at its offsets, then waits in the implied phase', async () => {
    const c = makeClient({
      startTime: '2025-10-03T08:00:00Z',
      scenario: {
        sessions: [{
          id: '11112222333344445555', prompt: 'Scripted question', createTime: '2025-10-03T08:00:00Z',
          timeline: [
            { atSeconds: 5, state: 'PLANNING' },
            { atSeconds: 20, activity: 'planGenerated', steps: 5 },
            { atSeconds: 21, activity: 'planApproved', state: 'IN_PROGRESS' },
            { atSeconds: 60, activity: 'progressUpdated', title: 'Edit files', changeSet: true },
            { atSeconds: 90, activity: 'agentMessaged', message: 'Which port?', state: 'AWAITING_USER_FEEDBACK' },
          ],
        }],
      },
    });
    const id = '11112222333344445555';
    expect((await c.get(`/v1alpha/sessions/${id}`)).state).toBe('QUEUED');
    c.sim.clock.advance(5_000);
    expect((await c.get(`/v1alpha/sessions/${id}`)).state).toBe('PLANNING');
    c.sim.clock.advance(100_000);
    const s = await c.get(`/v1alpha/sessions/${id}`);
    expect(s.state).toBe('AWAITING_USER_FEEDBACK');
    const acts = await c.activities(id);
    expect(acts.map((a: any) => a.createTime.slice(11, 19))).toEqual(['08:00:00', '08:00:20', '08:00:21', '08:01:00', '08:01:30']);
    expect(acts[1].planGenerated.plan.steps).toHaveLength(5);
    expect(acts[3].artifacts[0].changeSet.gitPatch.unidiffPatch).toMatch(/^diff --git /);
    expect(acts[4].agentMessaged.agentMessage).toBe('Which port?');
    await c.post(`/v1alpha/sessions/${id}:sendMessage`, { prompt: '8080' });
    c.sim.clock.advance(3_600_000);
    expect((await c.get(`/v1alpha/sessions/${id}`)).state).toBe('COMPLETED');
  });

  it('rejects invalid scenario documents', () => {
    expect(() => parseScenario({ sessions: [{ prompt: '' }] })).toThrow(/invalid scenario/);
    expect(() => parseScenario({ sessions: [{ prompt: 'x', timeline: [{ atSeconds: -1 }] }] })).toThrow(/invalid scenario/);
  });
});
