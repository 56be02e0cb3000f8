// First: configures zod before any contract schema is built (see the file).
import './lib/zod-openapi-shim';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { App } from './app/App';
import { AuthProvider } from './lib/api';
import { ToastProvider } from './lib/toasts';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live events keep data fresh; refetching on every focus would only add load.
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => count < 3 && (!(err instanceof ApiError) || err.retryable),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <ToastProvider>
          <App />
        </ToastProvider>
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
);
