import { describe, expect, it } from 'vitest';
import { CreateScheduleBody, UpdateScheduleBody, type Schedule } from '@autopilot/contracts';
import { checkSchedule, createBody, emptyScheduleForm, formOfSchedule, intervalRuns, intervalSeconds, intervalWords, matchZones, safeHref, updateBody, zoneOffset, type ScheduleForm } from './schedule-form';

const saved: Schedule = {
  id: 'sch_1',
  name: 'Weekly deps',
  cron: '0 7 * * 1',
  intervalSeconds: null,
  timezone: 'Europe/Berlin',
  description: 'At 07:00 on Monday',
  enabled: true,
  missedRunPolicy: 'run_once',
  target: { kind: 'batch', templateId: 'tpl_1', sources: ['sources/github/acme/api', 'acme/web'], variables: { level: 'high' } },
  nextRunAt: '2026-12-07T06:00:00.000Z',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

const form = (patch: Partial<ScheduleForm> = {}): ScheduleForm => ({ ...emptyScheduleForm('UTC'), name: 'S', templateId: 'tpl_1', ...patch });

describe('schedule form', () => {
  it('builds a create body the contract accepts, for a cron and for an interval', () => {
    const cron = createBody(form({ cron: ' 30 6 * * 1-5 ', timezone: 'America/New_York', variables: { repo: 'acme/api', blank: ' ' } }));
    expect(CreateScheduleBody.safeParse(cron).success).toBe(true);
    expect(cron).toMatchObject({ cron: '30 6 * * 1-5', timezone: 'America/New_York', enabled: true, target: { kind: 'template', templateId: 'tpl_1', variables: { repo: 'acme/api' } } });
    const every = createBody(form({ timing: 'interval', interval: '90', unit: 'minutes', paused: true, kind: 'batch', sources: 'acme/api\nacme/web' }));
    expect(CreateScheduleBody.safeParse(every).success).toBe(true);
    expect(every).toMatchObject({ intervalSeconds: 5400, enabled: false, target: { kind: 'batch', sources: ['acme/api', 'acme/web'] } });
    expect('cron' in every).toBe(false);
  });

  it('names each bad field before sending', () => {
    expect(checkSchedule(form())).toEqual({});
    const e = checkSchedule(form({ name: ' ', cron: '0 7 * *', timezone: 'Mars/Olympus', templateId: '', kind: 'batch', sources: ' ' }));
    expect(Object.keys(e).sort()).toEqual(['cron', 'name', 'sources', 'templateId', 'timezone']);
    expect(e.cron).toContain('this has 4');
    expect(e.timezone).toContain('Mars/Olympus');
    expect(checkSchedule(form({ timing: 'interval', interval: '0.5' })).intervalSeconds).toBe('A whole number greater than 0');
    expect(checkSchedule(form({ timing: 'interval', interval: '400', unit: 'days' })).intervalSeconds).toBe('At most 366 days');
  });

  it('sends only what changed on update (same timing left out, so the next run is not recounted)', () => {
    const f = formOfSchedule(saved);
    expect(f.sources).toBe('acme/api\nacme/web');
    expect(updateBody(f, saved)).toEqual({});
    expect(updateBody({ ...f, name: 'Renamed' }, saved)).toEqual({ name: 'Renamed' });
    const changed = updateBody({ ...f, cron: '0 8 * * 1', timezone: 'UTC' }, saved);
    expect(changed).toEqual({ cron: '0 8 * * 1', timezone: 'UTC' });
    expect(UpdateScheduleBody.safeParse(changed).success).toBe(true);
    expect(updateBody({ ...f, timing: 'interval', interval: '2', unit: 'days' }, saved)).toEqual({ intervalSeconds: 172_800 });
    expect(updateBody({ ...f, variables: { level: 'low' } }, saved)).toMatchObject({ target: { variables: { level: 'low' } } });
  });

  it('reads an interval back in its largest unit and in words', () => {
    const s = { ...saved, cron: null, intervalSeconds: 7200 };
    expect(formOfSchedule(s)).toMatchObject({ timing: 'interval', interval: '2', unit: 'hours' });
    expect(intervalSeconds({ interval: '3', unit: 'days' })).toBe(259_200);
    expect(intervalWords(60)).toBe('every minute');
    expect(intervalWords(5400)).toBe('every 90 minutes');
    expect(intervalRuns(3600, Date.UTC(2026, 0, 1), 5).map((d) => d.toISOString())).toEqual(['01', '02', '03', '04', '05'].map((h) => `2026-01-01T${h}:00:00.000Z`));
  });

  it('finds zones by prefix, city, or words with spaces', () => {
    expect(matchZones('europe/ber')[0]).toBe('Europe/Berlin');
    expect(matchZones('berlin')).toContain('Europe/Berlin');
    expect(matchZones('new york')[0]).toBe('America/New_York');
    expect(matchZones('utc')[0]).toBe('UTC');
    expect(matchZones('zzz-nothing')).toEqual([]);
    expect(matchZones('', ['A', 'B', 'C'], 2)).toEqual(['A', 'B']);
  });

  it('gives the offset of a zone at a date, DST included', () => {
    expect(zoneOffset('Europe/Berlin', new Date('2026-01-15T12:00:00Z'))).toBe('UTC+01:00');
    expect(zoneOffset('Europe/Berlin', new Date('2026-07-15T12:00:00Z'))).toBe('UTC+02:00');
    expect(zoneOffset('UTC')).toBe('UTC');
  });

  it('opens only in-app paths and http(s) links', () => {
    expect(safeHref('/batches/b1')).toEqual({ internal: true, href: '/batches/b1' });
    expect(safeHref('https://github.com/acme/api/pull/1')).toEqual({ internal: false, href: 'https://github.com/acme/api/pull/1' });
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('//evil.example/x')).toBeNull();
  });
});
