/** Settings → API keys. (Placeholder: being built.) */
export function KeysSettings() {
  return (
    <section aria-labelledby="settings-keys">
      <h2 id="settings-keys">API keys</h2>
    </section>
  );
}
