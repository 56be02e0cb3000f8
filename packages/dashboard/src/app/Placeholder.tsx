/** A page for a feature whose server API has not landed yet: says so plainly instead of a blank screen. */
export function Placeholder({ title, what }: { title: string; what: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p className="muted">{what}</p>
      <p className="muted">This page fills in once the orchestrator exposes its API.</p>
    </section>
  );
}
