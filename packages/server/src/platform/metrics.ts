import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The HTTP side of metrics: one histogram by method, route pattern and status. */
export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

/**
 * One prom-client registry per process (not the global one, so tests can build several apps). Features create
 * their counters through `counter()`/`gauge()`/`histogram()` so names and help stay in one registry.
 */
export interface Metrics extends HttpMetrics {
  registry: Registry;
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: (g: Gauge<L>) => void | Promise<void>): Gauge<L>;
  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets?: number[]): Histogram<L>;
  render(): Promise<string>;
}

/** Creates the registry with process metrics (CPU, memory, event-loop lag) and the HTTP histogram. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const http = new Histogram({
    name: 'autopilot_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    registry,
    observe: (method, route, status, seconds) => http.observe({ method, route, status: String(status) }, seconds),
    counter: (name, help, labelNames) => existing(name) ?? new Counter({ name, help, labelNames, registers: [registry] }),
    gauge: (name, help, labelNames, collect) =>
      existing(name) ??
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        ...(collect ? { async collect(this: any) { await collect(this); } } : {}),
      }),
    histogram: (name, help, labelNames, buckets) => existing(name) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] }),
    render: () => registry.metrics(),
  };
}
