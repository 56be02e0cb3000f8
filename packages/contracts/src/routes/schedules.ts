import { PageQuery } from '../common';
import { CreateScheduleBody, NextRuns, NextRunsQuery, Schedule, ScheduleList, ScheduleRunPage, UpdateScheduleBody } from '../schedules';
import { declareRoutes, IdParam, jsonBody, jsonOk } from './define';

const tags = ['schedules'];
const member = { minRole: 'member', denied: 'Viewers cannot change schedules' } as const;

/** /api/schedules: cron or interval schedules in an IANA time zone, their next runs and run history. */
export const schedules = declareRoutes({
  list: { method: 'get', path: '/api/schedules', tags, summary: 'Schedules of this workspace, by name', responses: { 200: jsonOk(ScheduleList) } },
  create: {
    method: 'post',
    path: '/api/schedules',
    tags,
    summary: 'Add a schedule (a cron expression in a time zone, or a fixed interval) and what it launches',
    ...member,
    request: { body: jsonBody(CreateScheduleBody) },
    responses: { 201: jsonOk(Schedule, 'Created') },
  },
  get: { method: 'get', path: '/api/schedules/{id}', tags, summary: 'One schedule', request: { params: IdParam }, responses: { 200: jsonOk(Schedule) } },
  update: {
    method: 'patch',
    path: '/api/schedules/{id}',
    tags,
    summary: 'Change a schedule (a new cron, interval or time zone counts the next run from now)',
    ...member,
    request: { params: IdParam, body: jsonBody(UpdateScheduleBody) },
    responses: { 200: jsonOk(Schedule) },
  },
  remove: { method: 'delete', path: '/api/schedules/{id}', tags, summary: 'Remove a schedule and its run history', ...member, request: { params: IdParam }, responses: { 200: jsonOk(Schedule) } },
  pause: {
    method: 'post',
    path: '/api/schedules/{id}/pause',
    tags,
    summary: 'Pause a schedule: no runs until it is resumed',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(Schedule) },
  },
  resume: {
    method: 'post',
    path: '/api/schedules/{id}/resume',
    tags,
    summary: 'Resume a paused schedule from now on (the paused time is not replayed)',
    ...member,
    request: { params: IdParam },
    responses: { 200: jsonOk(Schedule) },
  },
  next: {
    method: 'get',
    path: '/api/schedules/{id}/next',
    tags,
    summary: 'The next fire times, in UTC and in the schedule time zone, with the schedule in words',
    request: { params: IdParam, query: NextRunsQuery },
    responses: { 200: jsonOk(NextRuns) },
  },
  runs: {
    method: 'get',
    path: '/api/schedules/{id}/runs',
    tags,
    summary: 'Run history, newest fire time first: outcome, reason and links',
    request: { params: IdParam, query: PageQuery },
    responses: { 200: jsonOk(ScheduleRunPage) },
  },
});
