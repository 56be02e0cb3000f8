import { describe, expect, it } from 'vitest';
import { createSupervisor, templateMessage, UNATTENDED, type SupervisorContext } from './keeper.supervisor';

const ctx: SupervisorContext = {
  workspaceId: 'w', sessionId: 's', prompt: 'Add paging to the orders list', title: 'Paging',
  plan: [{ title: 'Explore the orders code' }, { title: 'Implement paging' }],
  recent: [{ id: 'a', kind: 'progressUpdated', originator: 'agent', createTimeMs: 0, text: 'Explore the orders code' }],
  continueMessage: 'Carry on.',
};

describe('supervisor', () => {
  it('templates quote the question, the failure and the next plan step', () => {
    expect(templateMessage({ purpose: 'answer', cue: 'Keep the v1 API?' }, ctx)).toContain('You asked: "Keep the v1 API?"');
    expect(templateMessage({ purpose: 'answer', cue: 'Keep the v1 API?' }, ctx)).toMatch(/^This session runs unattended.*Decide reasonably yourself/s);
    expect(templateMessage({ purpose: 'answer', cue: null }, ctx)).toContain('Add paging to the orders list');
    expect(templateMessage({ purpose: 'heal', cue: 'npm test exited with 1' }, ctx)).toContain('"npm test exited with 1"');
    const nudge = templateMessage({ purpose: 'nudge', cue: 'Explore the orders code', quietMs: 1_200_000 }, ctx);
    expect(nudge).toContain('about 20 min');
    expect(nudge).toContain('"Implement paging"');
    expect(templateMessage({ purpose: 'continue', cue: null }, ctx)).toBe('Carry on.');
  });

  it("uses the gateway's answer (task supervisor) and falls back to the template when it fails or is empty", async () => {
    const seen: string[] = [];
    const ok = createSupervisor({ llm: { generateText: async (r) => (seen.push(r.task), { text: '  Yes, keep v1.  ' }) } });
    expect(await ok.compose({ purpose: 'answer', cue: 'Keep v1?' }, ctx)).toEqual({ text: `${UNATTENDED} Yes, keep v1.`, via: 'llm' });
    expect(seen).toEqual(['supervisor']);
    const down = createSupervisor({ llm: { generateText: async () => { throw new Error('budget_exhausted'); } } });
    expect((await down.compose({ purpose: 'answer', cue: 'Keep v1?' }, ctx)).via).toBe('template');
    const empty = createSupervisor({ llm: { generateText: async () => ({ text: '  ' }) } });
    expect((await empty.compose({ purpose: 'nudge', cue: null }, ctx)).via).toBe('template');
    expect((await createSupervisor().compose({ purpose: 'heal', cue: 'x' }, ctx)).via).toBe('template');
  });
});
