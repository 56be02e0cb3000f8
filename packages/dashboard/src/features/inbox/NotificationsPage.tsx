/** Placeholder while issue #15 is built (replaced by its feature). */
export function NotificationsPage() {
  return (
    <section>
      <h1>Notifications</h1>
    </section>
  );
}
