/** Settings → Workspace. (Placeholder: being built.) */
export function WorkspaceSettings() {
  return (
    <section aria-labelledby="settings-workspace">
      <h2 id="settings-workspace">Workspace</h2>
    </section>
  );
}
