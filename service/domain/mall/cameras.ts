import type { Camera, CameraPatch, CameraRepository } from '../../repositories/cameraRepository.js';
import { cameraAlreadyExists, cameraNotFound } from '../errors.js';
import { checkedCameraUrl, maskedCameraUrl } from './cameraUrl.js';

/** What the replica pulling a camera says of its stream (service/ingest/). */
export interface CameraStreams {
  views(cameras: Camera[]): Promise<Map<string, object>>;
}

export type CameraView = Omit<Camera, 'url'> & { url: string; stream: object | undefined };

/** Cameras as a resource: added, listed with their stream's state, changed, removed. The URL is answered masked. */
export class CameraService {
  constructor(
    private readonly deps: { cameras: CameraRepository; streams: CameraStreams },
  ) {}

  private async viewsOf(cameras: Camera[]): Promise<CameraView[]> {
    const streams = await this.deps.streams.views(cameras);
    return cameras.map((camera) => ({ ...camera, url: maskedCameraUrl(camera.url), stream: streams.get(camera.id) }));
  }

  async create(input: { id: string; name: string; url: string; sampleFps?: number; enabled?: boolean }): Promise<CameraView> {
    const camera = await this.deps.cameras.create({ ...input, url: checkedCameraUrl(input.url), sampleFps: input.sampleFps ?? 4, enabled: input.enabled ?? true });
    if (!camera) throw cameraAlreadyExists(input.id);
    return (await this.viewsOf([camera]))[0]!;
  }

  async list(): Promise<CameraView[]> {
    return this.viewsOf(await this.deps.cameras.list());
  }

  async get(id: string): Promise<CameraView> {
    const camera = await this.deps.cameras.find(id);
    if (!camera) throw cameraNotFound(id);
    return (await this.viewsOf([camera]))[0]!;
  }

  async update(id: string, patch: CameraPatch): Promise<CameraView> {
    const camera = await this.deps.cameras.update(id, { ...patch, ...(patch.url !== undefined ? { url: checkedCameraUrl(patch.url) } : {}) });
    if (!camera) throw cameraNotFound(id);
    return (await this.viewsOf([camera]))[0]!;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.cameras.delete(id))) throw cameraNotFound(id);
  }
}
