/** The side navigation: one entry per top-level page (its route is in routes.tsx). */
export const NAV = [
  { href: '/sessions', label: 'Sessions' },
  { href: '/templates', label: 'Templates' },
  { href: '/batches', label: 'Batches' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/keeper', label: 'Keeper' },
  { href: '/ci', label: 'CI' },
  { href: '/notifications', label: 'Notifications' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/channels', label: 'Channels' },
  { href: '/providers', label: 'Providers' },
  { href: '/costs', label: 'Costs' },
  { href: '/audit', label: 'Audit log', adminOnly: true },
  { href: '/settings', label: 'Settings' },
  { href: '/system', label: 'System' },
] as const;

/** The entries a role sees: admin-only pages (the audit log) are left out for members and viewers. */
export const navFor = (role: string) => NAV.filter((n) => !('adminOnly' in n) || role === 'owner' || role === 'admin');
