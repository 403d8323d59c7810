import type { Logger } from 'pino';
import { OverloadedError } from '../../models/laneScheduler.js';
import { maskCredentials } from '../shared/credentials.js';
import type { Camera } from '../repositories/cameraRepository.js';
import { exponentialBackoff } from '../shared/backoff.js';
import { FfmpegSource } from './ffmpegSource.js';

export type CameraState = 'connecting' | 'streaming' | 'reconnecting' | 'failed' | 'disabled';

export interface CameraStatus {
  state: CameraState;
  framesIn: number;
  analysed: number;
  /** Frames not analysed: replaced by a newer one while waiting, or shed by a busy inference queue. */
  dropped: number;
  /** From a frame's arrival to the end of its analysis, last frame (ms). */
  lagMs: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  lastError: string | null;
}

/** Backoff between reconnections: 0.5 s doubling to 30 s, with jitter (so a mall's cameras do not reconnect in step). */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** A source that never produced a frame since it was configured is retried this slowly. */
const FAILED_RETRY_MS = 30_000;

export interface CameraIngestDeps {
  /** Analyses a frame (visits, visitor policy): the frames service. */
  process(cameraId: string, jpeg: Buffer, capturedAt: Date): Promise<unknown>;
  logger: Logger;
  random?: () => number;
  /** The ffmpeg to run (tests point it at one that is not there). */
  ffmpegPath?: string;
}

/**
 * One camera pulled by this replica: an ffmpeg process sampling the stream, never more than one
 * frame waiting (the newest wins; the rest are counted as dropped), reconnection with exponential
 * backoff and jitter, and the state the API shows.
 */
export class CameraIngest {
  private source: FfmpegSource | undefined;
  private pending: { jpeg: Buffer; at: Date } | undefined;
  /** The frame under analysis, if any. */
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private streamedSinceStart = false;
  private everStreamed = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  readonly status: CameraStatus = { state: 'connecting', framesIn: 0, analysed: 0, dropped: 0, lagMs: null, lastFrameAt: null, reconnects: 0, lastError: null };

  constructor(
    readonly camera: Camera,
    private readonly deps: CameraIngestDeps,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.streamedSinceStart = false;
    this.source = new FfmpegSource(
      this.camera.url,
      this.camera.sampleFps,
      { frame: (jpeg) => this.onFrame(jpeg), ended: (error) => this.onEnded(error) },
      this.deps.ffmpegPath,
    );
    this.source.start();
  }

  private onFrame(jpeg: Buffer): void {
    if (this.stopped) return;
    if (!this.streamedSinceStart) {
      this.streamedSinceStart = true;
      this.everStreamed = true;
      this.attempt = 0;
      this.status.state = 'streaming';
      this.status.lastError = null;
    }
    this.status.framesIn++;
    this.status.lastFrameAt = new Date().toISOString();
    if (this.pending) this.status.dropped++; // the newest wins
    this.pending = { jpeg, at: new Date() };
    this.pump();
  }

  private pump(): void {
    if (this.inFlight || !this.pending || this.stopped) return;
    const { jpeg, at } = this.pending;
    this.pending = undefined;
    this.inFlight = this.deps
      .process(this.camera.id, jpeg, at)
      .then(
        () => {
          this.status.analysed++;
          this.status.lagMs = Date.now() - at.getTime();
        },
        (error: unknown) => {
          this.status.dropped++;
          // A busy inference queue sheds camera frames first: expected under load, not an error.
          if (!(error instanceof OverloadedError)) this.deps.logger.warn({ err: error, cameraId: this.camera.id }, 'camera frame failed');
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        this.pump();
      });
  }

  private onEnded(error: string | undefined): void {
    this.source = undefined;
    if (this.stopped) return;
    this.status.lastError = error ? maskCredentials(error) : null;
    this.status.reconnects++;
    const random = this.deps.random ?? Math.random;
    let delay: number;
    if (this.everStreamed) {
      this.status.state = 'reconnecting';
      delay = exponentialBackoff(this.attempt++, FIRST_RETRY_MS, MAX_RETRY_MS) * (0.5 + random());
    } else {
      // Never a frame since it was configured: a wrong URL, a missing ffmpeg, a camera not there yet.
      this.status.state = 'failed';
      delay = FAILED_RETRY_MS * (0.5 + random());
    }
    this.deps.logger.warn({ cameraId: this.camera.id, state: this.status.state, error: this.status.lastError, retryInMs: Math.round(delay) }, 'camera stream ended');
    this.retry = setTimeout(() => this.connect(), delay);
    this.retry.unref();
  }

  /** Resolves when the frame under analysis (if any) is done. */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.pending = undefined;
    this.source?.stop();
    this.source = undefined;
  }
}
