/** Batches: every batch with its progress (skeleton: its owner fills it in). */
export function BatchesPage() {
  return (
    <section>
      <h1>Batches</h1>
    </section>
  );
}
