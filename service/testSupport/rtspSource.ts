import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';

/**
 * An RTSP camera on loopback: Debian's rtsp-server-perl relays what an ffmpeg publisher sends it
 * (a looped H.264 clip made from the given frames) to RTSP clients such as Visage's ingest.
 */
export class RtspSource {
  private server: ChildProcess | undefined;
  private publisher: ChildProcess | undefined;
  private dir = '';
  private clientPort = 0;

  url(): string {
    return `rtsp://127.0.0.1:${this.clientPort}/cam`;
  }

  async start(frames: Buffer[], fps = 8): Promise<void> {
    this.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-rtsp-'));
    for (const [i, frame] of frames.entries()) await fs.writeFile(path.join(this.dir, `frame${i}.jpg`), frame);
    const clip = path.join(this.dir, 'clip.mkv');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-framerate', String(fps / 2), '-i', path.join(this.dir, 'frame%d.jpg'), '-vf', `fps=${fps},format=yuv420p`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(fps), '-y', clip]);
    this.clientPort = await freePort();
    const sourcePort = await freePort();
    this.server = spawn('rtsp-server-perl', ['-c', String(this.clientPort), '-s', String(sourcePort), '--client_listen_address', '127.0.0.1', '--source_listen_address', '127.0.0.1', '-l', '1'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    this.publisher = spawn(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c:v', 'copy', '-f', 'rtsp', `rtsp://127.0.0.1:${sourcePort}/cam`],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  async kill(): Promise<void> {
    this.publisher?.kill('SIGKILL');
    this.server?.kill('SIGKILL');
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}
