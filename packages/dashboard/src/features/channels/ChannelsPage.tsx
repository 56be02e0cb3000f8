/** Placeholder while issue #15 is built (replaced by its feature). */
export function ChannelsPage(_props: { id?: string }) {
  return (
    <section>
      <h1>Channels</h1>
    </section>
  );
}
