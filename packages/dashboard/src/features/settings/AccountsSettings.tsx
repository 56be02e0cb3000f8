/** Settings → Jules accounts. (Placeholder: being built.) */
export function AccountsSettings() {
  return (
    <section aria-labelledby="settings-accounts">
      <h2 id="settings-accounts">Jules accounts</h2>
    </section>
  );
}
