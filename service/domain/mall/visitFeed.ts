import { EventEmitter } from 'node:events';

/** A recognised member at an entrance camera, as the console's live feed shows it. */
export interface VisitEvent {
  at: string;
  cameraId: string;
  memberId: string;
  name: string | null;
  kind: string;
  tier: string;
  newVisit: boolean;
  distance: number;
  visitorCreated: boolean;
  /** The face track that decided it (one decision per track, pushed and pulled cameras alike). */
  trackId: string;
}

/**
 * Camera visits as they happen, for live viewers (server-sent events). In memory and per
 * replica: a viewer sees the frames its replica handles (route cameras and consoles alike, or
 * read the visits table for the whole picture).
 */
export class VisitFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(1000);
  }

  publish(event: VisitEvent): void {
    this.emitter.emit('visit', event);
  }

  subscribe(listener: (event: VisitEvent) => void): () => void {
    this.emitter.on('visit', listener);
    return () => this.emitter.off('visit', listener);
  }
}
