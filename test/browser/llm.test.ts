import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../packages/client/src/index';
import { login, openPage, startStack, type Stack } from './harness';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0' });
});

afterAll(async () => {
  await stack?.close();
});

describe('providers and costs pages in chromium', () => {
  it('adds a provider (key shown as its last four characters), switches it off, and sets a daily budget', async () => {
    const api = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
    const p = await openPage(stack);
    const { page } = p;
    await login(p, stack.orch.url, stack.key, '/providers');
    await page.getByRole('button', { name: 'Add provider' }).click();
    const form = page.getByTestId('add-provider');
    // The contract rejects a bad name before anything is sent.
    await form.getByLabel('Name').fill('bad name!');
    await form.getByLabel('API key').fill('sk-test-secret-9f3a');
    await form.getByRole('button', { name: 'Add provider' }).click();
    await form.getByText('letters, digits, - _ and . only').waitFor();
    await form.getByLabel('Name').fill('openai-main');
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.locator('[data-provider="openai-main"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('••••9f3a');
    expect(await page.content()).not.toContain('sk-test-secret');
    await row.getByRole('switch').click();
    await row.locator('[role=switch][aria-checked=false]').waitFor();
    expect((await api.providers.list()).items.find((x) => x.name === 'openai-main')?.enabled).toBe(false);
    await p.shot('providers');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Costs' }).click();
    await page.getByRole('button', { name: 'Edit budget' }).click();
    await page.getByLabel('Daily limit (USD, empty = none)').fill('5');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByTestId('budget-today').filter({ hasText: 'of $5.00' }).waitFor();
    expect((await api.budgets.get()).dailyLimitUsd).toBe(5);
    await page.getByTestId('usage-totals').waitFor();
    await p.shot('costs');
    expect(p.errors).toEqual([]);
    await p.context.close();
  });
});
