import client from 'prom-client';

/** Prometheus metrics of one service instance (its own registry, so tests can run several). */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;

  constructor(indexSize: () => number, indexSeq: () => number) {
    client.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new client.Histogram({
      name: 'visage_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new client.Gauge({
      name: 'visage_index_templates',
      help: 'Face templates in this replica\'s in-memory index',
      registers: [this.registry],
      collect() {
        this.set(indexSize());
      },
    });
    new client.Gauge({
      name: 'visage_index_change_seq',
      help: 'The last template change-log sequence this replica\'s index reflects',
      registers: [this.registry],
      collect() {
        this.set(indexSeq());
      },
    });
  }
}
