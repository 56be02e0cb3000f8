import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE = 'autopilot.theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/**
 * Theme: follows prefers-color-scheme unless the user picked one. The choice is applied as `data-theme` on <html>;
 * CSS variables do the rest (see styles.css).
 */
export function useTheme(): [ThemeChoice, () => void] {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  useEffect(() => {
    const root = document.documentElement;
    if (choice === 'system') delete root.dataset.theme;
    else root.dataset.theme = choice;
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE);
      else localStorage.setItem(STORAGE, choice);
    } catch {
      /* no storage: the choice lasts for this page */
    }
  }, [choice]);
  const cycle = () => setChoice((c) => (c === 'system' ? 'dark' : c === 'dark' ? 'light' : 'system'));
  return [choice, cycle];
}
