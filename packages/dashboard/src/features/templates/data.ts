import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { CreateTemplateBody, TemplatePreview } from '@autopilot/contracts';
import { useApi } from '../../lib/api';

/* Queries of the templates pages. ['templates', 'all'] is the key the batch dialog's picker reads too. */

export const templateKeys = {
  all: ['templates', 'all'] as const,
  one: (id: string) => ['templates', 'one', id] as const,
};

/** Every template of the workspace, by name (the list filters by tag in the page: the list is small and a filter is instant). */
export function useTemplates() {
  const api = useApi();
  return useQuery({ queryKey: templateKeys.all, queryFn: ({ signal }) => api.templates.all({}, signal), staleTime: 30_000 });
}

export function useTemplate(id: string | undefined) {
  const api = useApi();
  return useQuery({ queryKey: templateKeys.one(id ?? ''), queryFn: ({ signal }) => api.templates.get(id ?? '', signal), enabled: !!id });
}

/** `value`, once it has stayed the same for `ms` (the live preview asks after the typing pauses). */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * The draft preview of what is being edited, 300 ms after the last keystroke. The previous answer stays on screen
 * while the next one loads, and an older request is aborted when a newer one starts (React Query's signal).
 */
export function useDraftPreview(template: CreateTemplateBody, values: Record<string, string | number | boolean>, enabled: boolean) {
  const api = useApi();
  // The enabled flag is debounced with the body: a body that just stopped being blocked is sent only once it settles.
  const body = useDebounced(enabled ? JSON.stringify({ template, values }) : null, 300);
  return useQuery<TemplatePreview>({
    queryKey: ['templates', 'draft-preview', body],
    queryFn: ({ signal }) => api.templates.previewDraft(JSON.parse(body ?? '{}'), signal),
    placeholderData: keepPreviousData,
    retry: false,
    enabled: enabled && body !== null,
    staleTime: 60_000,
  });
}
