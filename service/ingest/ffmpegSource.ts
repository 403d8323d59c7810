import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/** Where ffmpeg is (Debian's package: installed by .ci/run and the Dockerfile). */

/** A stalled source ends the process after this long without data (microseconds, as ffmpeg takes it). */
const IO_TIMEOUT_US = '5000000';
const CAMERA_NICENESS = 10;
/** Frames are scaled down to this width at most: the detector reads 640 px anyway. */
const MAX_WIDTH = 1280;

export interface FrameSourceEvents {
  frame(jpeg: Buffer): void;
  /** The process ended: `error` says why (ffmpeg's last error line, or that ffmpeg is missing). */
  ended(error: string | undefined): void;
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/**
 * One ffmpeg process pulling a camera's stream (RTSP, or MJPEG over HTTP) and sampling it at
 * `fps`: each frame comes out as a JPEG on its stdout, so that pulled and pushed frames take the
 * same path into the face pipeline.
 */
export class FfmpegSource {
  private child: ChildProcess | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private lastError: string | undefined;

  constructor(
    private readonly url: string,
    private readonly fps: number,
    private readonly events: FrameSourceEvents,
    private readonly ffmpeg = 'ffmpeg',
  ) {}

  start(): void {
    const isRtsp = this.url.startsWith('rtsp');
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      // RTSP: ffmpeg's default transport (RTP over UDP, falling back to TCP when no packet arrives).
      // MJPEG over HTTP carries no timestamps (ffmpeg would assume 25 frames a second and sample
      // too few): arrival time is the frame's time.
      ...(isRtsp ? ['-timeout', IO_TIMEOUT_US] : ['-rw_timeout', IO_TIMEOUT_US, '-use_wallclock_as_timestamps', '1']),
      // Frames as soon as they arrive: a visit is worth most in the seconds after someone walks in.
      '-fflags',
      'nobuffer',
      '-flags',
      'low_delay',
      '-i',
      this.url,
      '-an',
      '-vf',
      `fps=${this.fps},scale='min(${MAX_WIDTH},iw)':-2`,
      '-q:v',
      '3',
      '-f',
      'image2pipe',
      '-vcodec',
      'mjpeg',
      'pipe:1',
    ];
    const child = spawn(this.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Decoding camera streams yields the CPU to the till's inference (nice 10).
    if (child.pid) {
      try {
        os.setPriority(child.pid, CAMERA_NICENESS);
      } catch {
        // not permitted here: the streams run at normal priority
      }
    }
    child.stdout.on('data', (chunk: Buffer) => this.take(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const line = chunk.toString('utf8').trim().split('\n').at(-1);
      if (line) this.lastError = line.slice(0, 300);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.lastError = error.code === 'ENOENT' ? 'ffmpeg is not installed (apt-get install ffmpeg)' : error.message;
    });
    child.on('close', (code) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.events.ended(code === 0 && !this.lastError ? 'the stream ended' : (this.lastError ?? `ffmpeg exited with ${code}`));
    });
  }

  /** Splits ffmpeg's output into JPEGs (each from its start marker to its end marker). */
  private take(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const start = this.buffer.indexOf(SOI);
      if (start < 0) {
        this.buffer = Buffer.alloc(0);
        return;
      }
      const end = this.buffer.indexOf(EOI, start + 2);
      if (end < 0) {
        if (start > 0) this.buffer = this.buffer.subarray(start);
        return;
      }
      this.events.frame(Buffer.from(this.buffer.subarray(start, end + 2)));
      this.buffer = this.buffer.subarray(end + 2);
    }
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
  }
}
