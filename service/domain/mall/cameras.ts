import type { Camera, CameraPatch, CameraRepository, NewCamera } from '../../repositories/cameraRepository.js';
import { cameraAlreadyExists, cameraNotFound, mallNotFound } from '../errors.js';
import type { MallRepository } from '../../repositories/mallRepository.js';
import { DEFAULT_MALL } from '../recognition/mallPartitions.js';
import { checkedCameraUrl } from './cameraUrl.js';
import { maskedCameraUrl } from '../../shared/credentials.js';

/** What the replica pulling a camera says of its stream (service/ingest/). */
export interface CameraStreams {
  views(cameras: Camera[]): Promise<Map<string, object>>;
}

export type CameraView = Omit<Camera, 'url'> & { url: string; stream: object | undefined };

/** Cameras as a resource: added, listed with their stream's state, changed, removed. The URL is answered masked. */
export class CameraService {
  constructor(
    private readonly deps: { cameras: CameraRepository; streams: CameraStreams; malls: Pick<MallRepository, 'findMall'> },
  ) {}

  private async requireMall(mallId: string | undefined): Promise<void> {
    if (mallId !== undefined && !(await this.deps.malls.findMall(mallId))) throw mallNotFound(mallId);
  }

  private async viewsOf(cameras: Camera[]): Promise<CameraView[]> {
    const streams = await this.deps.streams.views(cameras);
    return cameras.map((camera) => ({ ...camera, url: maskedCameraUrl(camera.url), stream: streams.get(camera.id) }));
  }

  async create(input: Pick<NewCamera, 'id' | 'name' | 'url'> & Partial<NewCamera>): Promise<CameraView> {
    await this.requireMall(input.mallId);
    const camera = await this.deps.cameras.create({
      ...input,
      url: checkedCameraUrl(input.url),
      sampleFps: input.sampleFps ?? 4,
      enabled: input.enabled ?? true,
      mallId: input.mallId ?? DEFAULT_MALL,
      zone: input.zone ?? null,
      position: input.position ?? null,
    });
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
    await this.requireMall(patch.mallId);
    const camera = await this.deps.cameras.update(id, { ...patch, ...(patch.url !== undefined ? { url: checkedCameraUrl(patch.url) } : {}) });
    if (!camera) throw cameraNotFound(id);
    return (await this.viewsOf([camera]))[0]!;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.cameras.delete(id))) throw cameraNotFound(id);
  }
}
