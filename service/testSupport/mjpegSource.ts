import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An MJPEG-over-HTTP camera on loopback (multipart/x-mixed-replace, as IP cameras serve it): it
 * plays a sequence of JPEG frames in a loop at `fps`; it can be killed (connections cut, new ones
 * refused) and brought back on the same port.
 */
export class MjpegSource {
  private server: http.Server | undefined;
  private frames: Buffer[] = [];
  private port = 0;
  private readonly responses = new Set<http.ServerResponse>();

  constructor(private readonly fps = 8) {}

  /** Clients streaming from it now. */
  connections(): number {
    return this.responses.size;
  }

  /** What the camera sees from now on, in a loop. */
  play(frames: Buffer[]): void {
    this.frames = frames;
  }

  url(credentials = ''): string {
    return `http://${credentials ? `${credentials}@` : ''}127.0.0.1:${this.port}/stream`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/stream') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame', 'cache-control': 'no-store' });
      this.responses.add(res);
      let n = 0;
      const timer = setInterval(() => {
        const frame = this.frames[n++ % Math.max(1, this.frames.length)];
        if (!frame) return;
        res.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
        res.write(frame);
        res.write('\r\n');
      }, 1000 / this.fps);
      res.on('close', () => {
        clearInterval(timer);
        this.responses.delete(res);
      });
    });
    server.listen(this.port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The camera goes away: streams cut, the port closed. */
  async kill(): Promise<void> {
    for (const res of this.responses) res.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
