/** Placeholder while issue #15 is built (replaced by its feature). */
export function WebhooksPage(_props: { id?: string }) {
  return (
    <section>
      <h1>Webhooks</h1>
    </section>
  );
}
