import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CameraIngest } from './cameraIngest.js';

const camera = { id: 'gate', name: 'Gate', url: 'rtsp://viewer:secret@10.0.0.9/stream', sampleFps: 4, enabled: true, mallId: 'default', zone: null, position: null, createdAt: '', updatedAt: '' };

describe('camera ingest', () => {
  it('reports a clear failed state when ffmpeg is not installed, and the rest goes on', async () => {
    const ingest = new CameraIngest(camera, { process: () => Promise.resolve(), logger: pino({ level: 'silent' }), ffmpegPath: '/nonexistent/ffmpeg' });
    ingest.start();
    for (let i = 0; i < 50 && ingest.status.state !== 'failed'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    ingest.stop();
    expect(ingest.status).toMatchObject({ state: 'failed', lastError: 'ffmpeg is not installed (apt-get install ffmpeg)', framesIn: 0 });
  });
});
