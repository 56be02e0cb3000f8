/** Settings → Routing policies. (Placeholder: being built.) */
export function RoutingSettings() {
  return (
    <section aria-labelledby="settings-routing">
      <h2 id="settings-routing">Routing policies</h2>
    </section>
  );
}
