import * as ort from 'onnxruntime-node';
import { readVerifiedWeights, type WeightFile } from '../onnx/weights.js';
import type { Box } from '../types.js';
import { ANTI_SPOOF_SIDE, antiSpoofInput, contextBox } from './antiSpoofCrop.js';

/** The two converted Silent-Face MiniFASNet models (Apache-2.0; models/weights/licenses/), each with its context scale. */
const MODELS: readonly (WeightFile & { scale: number })[] = [
  { file: 'minifasnet_v2_2.7_80x80.onnx', sha256: '3160be49480682cf8ba79adf6f03e9abb5d251b21a168471b8bec799fe485b37', scale: 2.7 },
  { file: 'minifasnet_v1se_4.0_80x80.onnx', sha256: '929c8b1fc6e5d30ee03144280af43daabddd05f230494377fb1d6de7a18d74fe', scale: 4.0 },
];

/** Index of the "real face" class in the models' three outputs. */
const REAL_CLASS = 1;

const softmax = (logits: ArrayLike<number>): number[] => {
  const max = Math.max(...Array.from(logits));
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
};

/**
 * Passive presentation-attack detection: both MiniFASNet models on their enlarged crops of the
 * face, the probabilities of "real" averaged ("fused"). Runs in the face worker, after detection.
 */
export class PassiveLiveness {
  private constructor(private readonly sessions: { session: ort.InferenceSession; scale: number }[]) {}

  static async load(intraOpThreads: number): Promise<PassiveLiveness> {
    const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential' };
    const sessions = await Promise.all(
      MODELS.map(async (model) => ({ session: await ort.InferenceSession.create(await readVerifiedWeights(model), options), scale: model.scale })),
    );
    return new PassiveLiveness(sessions);
  }

  /** The fused probability that the face is a live person in front of the camera, 0..1. */
  async score(rgb: Uint8Array, width: number, height: number, face: Box): Promise<number> {
    // The two sessions run side by side (ONNX Runtime runs them off this thread).
    const scores = await Promise.all(
      this.sessions.map(async ({ session, scale }) => {
        const input = antiSpoofInput(rgb, width, height, contextBox(face, width, height, scale));
        const outputs = await session.run({ input: new ort.Tensor('float32', input, [1, 3, ANTI_SPOOF_SIDE, ANTI_SPOOF_SIDE]) });
        return softmax(outputs.output!.data as Float32Array)[REAL_CLASS]!;
      }),
    );
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  }
}
