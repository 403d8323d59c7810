import client from 'prom-client';
import type { OutboxDepth } from './repositories/outboxRepository.js';
import type { DeliveryObserver } from './webhooks/deliveryWorkers.js';
import type { RecognitionObserver } from './domain/shared/recognitionObserver.js';
import type { CameraStatus } from './ingest/cameraIngest.js';
import { LANES, type Lane, type LaneObserver } from '../models/laneScheduler.js';

/** Prometheus metrics of one service instance (its own registry, so tests can run several). */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  /** Faces answered by identification and camera frames, by outcome (a member, or why unknown). */
  readonly faceOutcomes: client.Counter<'source' | 'outcome'>;
  readonly visits: client.Counter<'new'>;
  /** Liveness verdicts: passive checks by source (identify, verify, enroll) and challenge sessions, by outcome or reason. */
  readonly livenessOutcomes: client.Counter<'source' | 'outcome'>;
  /** The inference lanes: how long tasks waited for a worker, and how many were shed (lane full) or dropped (waited too long). */
  readonly inferenceWait: client.Histogram<'lane'>;
  readonly inferenceShed: client.Counter<'lane' | 'why'>;
  /** Webhook attempts by outcome, and how long delivered events took from their commit. */
  readonly webhookDeliveries: client.Counter<'outcome'>;
  readonly webhookLatency: client.Histogram;

  constructor(indexSize: () => number, indexSeq: () => number) {
    client.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new client.Histogram({
      name: 'visage_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.faceOutcomes = new client.Counter({
      name: 'visage_face_outcomes_total',
      help: 'Faces answered, by source (identify, second_factor, frame: pushed, stream: pulled) and outcome (member, via_seen_today, no_close_member, ambiguous, low_quality)',
      labelNames: ['source', 'outcome'],
      registers: [this.registry],
    });
    this.visits = new client.Counter({
      name: 'visage_visit_sightings_total',
      help: 'Recognised members at entrance cameras: new visits and sightings joining one under way',
      labelNames: ['new'],
      registers: [this.registry],
    });
    this.livenessOutcomes = new client.Counter({
      name: 'visage_liveness_outcomes_total',
      help: 'Liveness verdicts by source (identify, verify, session) and outcome (live, or the reason a face was refused: passive_score_low, no_turn, no_blink, planar_motion, …)',
      labelNames: ['source', 'outcome'],
      registers: [this.registry],
    });
    this.inferenceWait = new client.Histogram({
      name: 'visage_inference_wait_seconds',
      help: 'Time a face analysis waited for a worker, by lane (pos, enroll, camera)',
      labelNames: ['lane'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.inferenceShed = new client.Counter({
      name: 'visage_inference_shed_total',
      help: 'Face analyses not run, by lane and why: queue_full (answered 503 OVERLOADED) or too_late (a camera frame that waited too long)',
      labelNames: ['lane', 'why'],
      registers: [this.registry],
    });
    this.webhookDeliveries = new client.Counter({
      name: 'visage_webhook_deliveries_total',
      help: "Webhook delivery attempts by outcome: delivered, retry (failed, another attempt scheduled), failed (the retry window is over)",
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.webhookLatency = new client.Histogram({
      name: 'visage_webhook_delivery_latency_seconds',
      help: 'From the commit of an event to its delivery (retries included), for delivered events',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600, 3600],
      registers: [this.registry],
    });
    this.gaugeOf('visage_index_templates', "Face templates in this replica's in-memory index", indexSize);
    this.gaugeOf('visage_index_change_seq', "The last template change-log sequence this replica's index reflects", indexSeq);
  }
  /** What the inference lanes report (models/laneScheduler.ts). */
  readonly laneObserver: LaneObserver = {
    started: (lane, ms) => this.inferenceWait.observe({ lane }, ms / 1000),
    shed: (lane, why) => this.inferenceShed.inc({ lane, why }),
  };

  /** Tasks waiting in each lane, read when Prometheus scrapes. */
  watchLanes(queued: (lane: Lane) => number): void {
    new client.Gauge({
      name: 'visage_inference_queued',
      help: 'Face analyses waiting for a worker, by lane',
      labelNames: ['lane'],
      registers: [this.registry],
      collect() {
        for (const lane of LANES) this.set({ lane }, queued(lane));
      },
    });
  }

  /** What the domain reports of faces and visits (identification, pushed frames and pulled streams). */
  readonly recognitionObserver: RecognitionObserver = {
    faceDecided: (source, outcome) => this.faceOutcomes.inc({ source, outcome }),
    visitSighted: (newVisit) => this.visits.inc({ new: String(newVisit) }),
  };

  /** The cameras this replica pulls, per camera, read when Prometheus scrapes (the API shows the same, all replicas). */
  watchCameras(statuses: () => Map<string, CameraStatus>): void {
    const figures = [
      ['visage_camera_frames_in', 'Frames received from the camera since its stream started here', (s: CameraStatus) => s.framesIn],
      ['visage_camera_frames_analysed', 'Frames analysed since the stream started here', (s: CameraStatus) => s.analysed],
      ['visage_camera_frames_dropped', 'Frames not analysed (a newer one replaced it, or the camera lane was full) since the stream started here', (s: CameraStatus) => s.dropped],
      ['visage_camera_reconnects', 'Reconnections of the stream since it started here', (s: CameraStatus) => s.reconnects],
      ['visage_camera_lag_seconds', "From a frame's arrival to the end of its analysis, last frame", (s: CameraStatus) => (s.lagMs === null ? Number.NaN : s.lagMs / 1000)],
      ['visage_camera_streaming', '1 while the stream delivers frames, else 0', (s: CameraStatus) => (s.state === 'streaming' ? 1 : 0)],
    ] as const;
    for (const [name, help, value] of figures) {
      new client.Gauge({
        name,
        help,
        labelNames: ['camera'],
        registers: [this.registry],
        collect() {
          this.reset(); // a camera released here since the last scrape leaves the series
          for (const [camera, status] of statuses()) this.set({ camera }, value(status));
        },
      });
    }
  }

  /** What the delivery workers report (service/webhooks/deliveryWorkers.ts). */
  readonly deliveryObserver: DeliveryObserver = {
    attempted: (outcome, seconds) => {
      this.webhookDeliveries.inc({ outcome });
      if (seconds !== undefined) this.webhookLatency.observe(seconds);
    },
  };

  /** The outbox's depth (deliveries not yet made, all replicas) and the age of its oldest, read from PostgreSQL when Prometheus scrapes. */
  watchOutbox(depth: () => Promise<OutboxDepth>): void {
    let last: Promise<OutboxDepth | undefined> | undefined;
    // One query per scrape for both gauges; the database away leaves them as they were, not /metrics failing.
    const read = () =>
      (last ??= depth()
        .catch(() => undefined)
        .finally(() => setImmediate(() => (last = undefined))));
    new client.Gauge({
      name: 'visage_webhook_outbox_pending',
      help: 'Webhook deliveries not yet made (pending, all replicas)',
      registers: [this.registry],
      async collect() {
        const depth = await read();
        if (depth) this.set(depth.pending);
      },
    });
    new client.Gauge({
      name: 'visage_webhook_outbox_oldest_seconds',
      help: 'Age of the oldest pending webhook delivery, seconds (0 when none)',
      registers: [this.registry],
      async collect() {
        const depth = await read();
        if (depth) this.set(depth.oldestPendingSeconds);
      },
    });
  }

  /** A gauge read when Prometheus scrapes. */
  private gaugeOf(name: string, help: string, read: () => number): void {
    new client.Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
