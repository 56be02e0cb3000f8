/** One batch: progress bar and per-item state, live (skeleton: its owner fills it in). */
export function BatchDetailPage({ id }: { id: string }) {
  return (
    <section>
      <h1>Batch {id}</h1>
    </section>
  );
}
