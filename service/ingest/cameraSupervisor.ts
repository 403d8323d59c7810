import { CoalescedRun } from '../../index/coalescedRun.js';
import type { Logger } from 'pino';
import { listenForChanges, type ChangeListener } from '../db/changeListener.js';
import { CAMERA_CHANGES_CHANNEL, type Camera, type CameraRepository } from '../repositories/cameraRepository.js';
import { CameraIngest, type CameraIngestDeps, type CameraStatus } from './cameraIngest.js';

/** A lease lasts this long; the holder renews it every heartbeat: a dead replica's cameras are taken over within lease + heartbeat. */
const LEASE_SECONDS = 8;
const HEARTBEAT_MS = 2_000;
/** Cameras one replica pulls at most (each is an ffmpeg process and a share of the workers). */
const MAX_CAMERAS_PER_REPLICA = 64;

/** A camera's stream as the replica that pulls it last reported it. */
export interface CameraStreamView extends CameraStatus {
  /** The replica pulling it (null: none yet). */
  replica: string | null;
}

const idle = (state: CameraStatus['state']): CameraStatus => ({ state, framesIn: 0, analysed: 0, dropped: 0, lagMs: null, lastFrameAt: null, reconnects: 0, lastError: null });

/**
 * Which cameras this replica pulls: every heartbeat (and at once on a camera change, by
 * LISTEN/NOTIFY) it claims the leases of enabled cameras that are free, expired or already its
 * own, starts an ingest for each it holds, stops the others within a second of a change, and
 * publishes each stream's status with the lease.
 */
export class CameraSupervisor {
  private readonly ingests = new Map<string, CameraIngest>();
  private timer: NodeJS.Timeout | undefined;
  private listener: ChangeListener | undefined;
  /** Reconciliations: one at a time, a change meanwhile asking for one more. */
  private readonly reconciliations = new CoalescedRun<void>(() =>
    this.reconcileOnce().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'camera reconciliation failed')),
  );
  private closed = false;

  constructor(
    private readonly deps: CameraIngestDeps & {
      cameras: CameraRepository;
      holder: string;
      databaseUrl: string;
      logger: Logger;
      /** A camera this replica stops pulling: what it kept of the stream (its face tracks) is let go. */
      released?: (cameraId: string) => void;
    },
  ) {}

  start(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), HEARTBEAT_MS);
    this.timer.unref();
    this.listener = listenForChanges(this.deps.databaseUrl, CAMERA_CHANGES_CHANNEL, () => void this.reconcile(), this.deps.logger);
  }

  /** One reconciliation at a time; a change during one runs another after it. */
  reconcile(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.reconciliations.run();
  }

  private async reconcileOnce(): Promise<void> {
    const { cameras, holder } = this.deps;
    const held = new Set(await cameras.claim(holder, LEASE_SECONDS, MAX_CAMERAS_PER_REPLICA));
    const configured = new Map((await cameras.list()).map((camera) => [camera.id, camera]));
    for (const [id, ingest] of this.ingests) {
      const camera = configured.get(id);
      if (!held.has(id) || !camera?.enabled || changed(ingest.camera, camera)) {
        ingest.stop();
        this.ingests.delete(id);
        // Its tracks (and their faces) go with it: a camera pulled elsewhere now, or stopped.
        this.deps.released?.(id);
      }
    }
    for (const id of held) {
      const camera = configured.get(id);
      if (!camera?.enabled || this.ingests.has(id) || this.closed) continue;
      const ingest = new CameraIngest(camera, this.deps);
      this.ingests.set(id, ingest);
      ingest.start();
      this.deps.logger.info({ cameraId: id }, 'pulling camera');
    }
    await cameras.saveStatuses(holder, new Map([...this.ingests].map(([id, ingest]) => [id, ingest.status])));
  }

  /** The stream of each camera, as this replica or the one pulling it reports it. */
  async views(cameras: Camera[]): Promise<Map<string, CameraStreamView>> {
    const leases = await this.deps.cameras.leases();
    return new Map(
      cameras.map((camera) => {
        const local = this.ingests.get(camera.id);
        if (local) return [camera.id, { ...local.status, replica: this.deps.holder }];
        if (!camera.enabled) return [camera.id, { ...idle('disabled'), replica: null }];
        const lease = leases.get(camera.id);
        const reported = lease?.status as CameraStatus | null | undefined;
        return [camera.id, { ...(reported ?? idle('connecting')), replica: lease?.holder ?? null }];
      }),
    );
  }

  /** The streams this replica pulls now, by camera: what /metrics shows per camera. */
  statuses(): Map<string, CameraStatus> {
    return new Map([...this.ingests].map(([id, ingest]) => [id, ingest.status]));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.listener?.close();
    await this.reconciliations.current;
    const stopping = [...this.ingests.values()];
    for (const id of this.ingests.keys()) this.deps.released?.(id);
    this.ingests.clear();
    for (const ingest of stopping) ingest.stop();
    await Promise.all(stopping.map((ingest) => ingest.settled()));
    // Gone cleanly: another replica may take the cameras over at once.
    await this.deps.cameras.release(this.deps.holder).catch(() => undefined);
  }
}

const changed = (running: Camera, configured: Camera) => running.url !== configured.url || running.sampleFps !== configured.sampleFps;
