/**
 * Where the domain reports what it decided about faces, as the delivery workers report their
 * attempts: the metrics listen (service/metrics.ts). Counted where the work happens, so a pulled
 * camera stream — the main camera path, which no HTTP handler sees — is counted too.
 */
export type FaceSource = 'identify' | 'second_factor' | 'frame' | 'stream';

export interface RecognitionObserver {
  /** A face answered: `member`, `via_<partition>`, or why it is unknown. */
  faceDecided(source: FaceSource, outcome: string): void;
  /** A recognised member sighted at a camera: a new visit, or a sighting joining one. */
  visitSighted(newVisit: boolean): void;
}

export const UNOBSERVED: RecognitionObserver = { faceDecided: () => undefined, visitSighted: () => undefined };

/** How a face was answered, for the outcome counter. */
export function faceOutcome(face: { match: { via?: string } | null; unknownReason?: string }): string {
  if (face.match) return face.match.via ? `via_${face.match.via.replace(/-/g, '_')}` : 'member';
  return face.unknownReason ?? 'no_close_member';
}
