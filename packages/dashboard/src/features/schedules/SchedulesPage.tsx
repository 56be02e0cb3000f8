/** Schedules: cron in words, time zone, next five runs, history, pause (skeleton: its owner fills it in). */
export function SchedulesPage({ id }: { id?: string }) {
  return (
    <section>
      <h1>Schedules</h1>
      <p className="muted">{id ? `Schedule ${id}` : 'Schedules'}</p>
    </section>
  );
}
