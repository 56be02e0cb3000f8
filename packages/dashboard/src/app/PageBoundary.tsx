import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** A dynamic import that failed: the page's code could not be fetched (network down, or a deploy replaced it). */
function isChunkLoadError(err: Error): boolean {
  return /dynamically imported module|Importing a module script failed|error loading dynamically|Failed to fetch|Unable to preload CSS/i.test(err.message);
}

/**
 * Keeps a page's failure inside the page: the shell (navigation, connection state) stays usable when a page's code
 * cannot be fetched or its render throws. Without it React unmounts the whole app and leaves a blank screen. A
 * failed chunk is offered a reload (browsers cache a failed module import, so re-rendering alone would fail again);
 * the boundary resets when the user navigates elsewhere (the caller keys it by path).
 */
export class PageBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('page failed', error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const chunk = isChunkLoadError(error);
    return (
      <div className="error-box" role="alert" data-testid="page-error">
        <p>
          <strong>{chunk ? 'This page could not be loaded.' : 'This page failed.'}</strong>{' '}
          {chunk ? 'Its code did not arrive: the network may be down, or the orchestrator was updated.' : error.message}
        </p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
