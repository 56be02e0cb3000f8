/** Templates: list, edit with live preview and variable errors, launch (skeleton: its owner fills it in). */
export function TemplatesPage({ id }: { id?: string }) {
  return (
    <section>
      <h1>Templates</h1>
      <p className="muted">{id ? `Template ${id}` : 'Templates'}</p>
    </section>
  );
}
