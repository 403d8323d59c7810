import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropFace, PERSON_A, STRANGERS } from '../../service/testSupport/facePhotos.js';
import { mirroredTensor, OnnxFaceAnalyzer } from './onnxFaceAnalyzer.js';
import { EMBEDDER_WEIGHTS, readVerifiedWeights, REID_EMBEDDER_WEIGHTS, weightsDir } from './weights.js';
import { FACE_MODELS } from '../faceModels.js';
import { splitFused } from '../vectors.js';

/** The default model on real weights: detection, alignment, embedding, and what it must refuse. */

async function rgb(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), width: info.width, height: info.height };
}

let analyzer: OnnxFaceAnalyzer;
beforeAll(async () => {
  analyzer = await OnnxFaceAnalyzer.load({ intraOpThreads: 1 });
});

describe('OnnxFaceAnalyzer', () => {
  it('finds one face with its 5 points in order and a unit-length 512-d descriptor', async () => {
    const { faces } = await analyzer.analyze(await rgb(await cropFace(PERSON_A, { width: 320 })));
    expect(faces).toHaveLength(1);
    const [face] = faces;
    const [leftEye, rightEye, nose, mouthLeft, mouthRight] = face!.landmarks!;
    expect(leftEye!.x).toBeLessThan(rightEye!.x);
    expect(mouthLeft!.x).toBeLessThan(mouthRight!.x);
    expect(nose!.y).toBeGreaterThan(leftEye!.y);
    expect(mouthLeft!.y).toBeGreaterThan(nose!.y);
    for (const p of face!.landmarks!) {
      expect(p.x).toBeGreaterThan(face!.box.x);
      expect(p.x).toBeLessThan(face!.box.x + face!.box.width);
    }
    expect(face!.descriptor).toHaveLength(512);
    expect(Math.hypot(...face!.descriptor)).toBeCloseTo(1, 4);
    expect(face!.measures.detectionScore).toBeGreaterThan(0.8);
  });

  it('describes two photos of one person alike and two people apart', async () => {
    const describe = async (bytes: Buffer) => (await analyzer.analyze(await rgb(bytes))).faces[0]!.descriptor;
    const a = await describe(await cropFace(PERSON_A, { width: 320 }));
    const again = await describe(await cropFace(PERSON_A, { width: 220, margin: 0.9, quality: 60 }));
    const flipped = await describe(await sharp(await cropFace(PERSON_A, { width: 320 })).flop().toBuffer());
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((sum, v, i) => sum + v * y[i]!, 0);
    expect(dot(a, again)).toBeGreaterThan(0.8);
    expect(dot(a, flipped)).toBeGreaterThan(0.6);
  });

  it('measures but does not describe a face a camera already follows, unless it is a better face than wanted', async () => {
    const photo = await rgb(await cropFace(PERSON_A, { width: 320 }));
    const [seen] = (await analyzer.analyze(photo)).faces;
    const near = { ...seen!.box, x: seen!.box.x + 8 };
    const [known] = (await analyzer.analyze({ ...photo, known: [{ box: near, minWeight: Number.POSITIVE_INFINITY }] })).faces;
    expect(known).toMatchObject({ knownAs: 0, box: seen!.box, measures: seen!.measures });
    expect(known!.descriptor).toHaveLength(0);
    const [wanted] = (await analyzer.analyze({ ...photo, known: [{ box: near, minWeight: 0.1 }] })).faces;
    expect(wanted!.knownAs).toBeUndefined();
    expect(Array.from(wanted!.descriptor)).toEqual(Array.from(seen!.descriptor));
  });

  it('invents no face on photos without one', async () => {
    const size = { width: 480, height: 360, channels: 3 as const };
    const noise = Buffer.alloc(size.width * size.height * 3);
    let state = 7;
    for (let i = 0; i < noise.length; i++) noise[i] = (state = (state * 16807) % 2147483647) & 255;
    const stripes = Buffer.alloc(noise.length);
    for (let i = 0; i < stripes.length; i++) stripes[i] = Math.floor(i / 3 / 8) % 2 ? 230 : 20;
    const photos = [
      await sharp({ create: { ...size, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer(),
      await sharp(noise, { raw: size }).png().toBuffer(),
      await sharp(noise, { raw: size }).blur(6).png().toBuffer(),
      await sharp(stripes, { raw: size }).png().toBuffer(),
      await sharp(await cropFace(PERSON_A)).extract({ left: 0, top: 0, width: 120, height: 90 }).png().toBuffer(), // a corner without the face
    ];
    for (const photo of photos) expect((await analyzer.analyze(await rgb(photo))).faces).toEqual([]);
  });
});

describe('the fused model (fr_feature + omz-0095)', () => {
  it("keeps both models' descriptors in one unit vector whose cosine is the weighted mean of theirs", async () => {
    const { fusion } = FACE_MODELS['yunet-fr512+omz256'];
    const fused = await OnnxFaceAnalyzer.load({ intraOpThreads: 1, fusion });
    const describe = async (a: OnnxFaceAnalyzer, bytes: Buffer) => (await a.analyze(await rgb(bytes))).faces[0]!.descriptor;
    const photos = [await cropFace(PERSON_A, { width: 320 }), await cropFace(PERSON_A, { width: 220, margin: 0.9, quality: 60 }), await cropFace(STRANGERS[0]!, { width: 320 })];
    const [a, again, stranger] = await Promise.all(photos.map((p) => describe(fused, p)));
    expect(a).toHaveLength(768);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 4);
    // The first part is exactly fr_feature's descriptor, scaled by the square root of its weight.
    const [frPart, reidPart] = splitFused(a!, fusion!);
    const alone = await describe(analyzer, photos[0]!);
    const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((sum, v, i) => sum + v * y[i]!, 0);
    expect(dot(frPart!, alone)).toBeCloseTo(1, 4);
    expect(reidPart).toHaveLength(256);
    const [w1, w2] = fusion!.parts.map((p) => p.weight);
    const [againFr, againReid] = splitFused(again!, fusion!);
    expect(dot(a!, again!)).toBeCloseTo(w1! * dot(frPart!, againFr!) + w2! * dot(reidPart!, againReid!), 4);
    expect(dot(a!, again!)).toBeGreaterThan(0.6);
    expect(dot(a!, stranger!)).toBeLessThan(0.3);
  });
});

describe("fr_feature's mirror average (the fused model's recipe)", () => {
  it('mirrors each plane of a face tensor left to right', () => {
    const side = 3;
    const tensor = Float32Array.from({ length: 3 * side * side }, (_, i) => i);
    const mirrored = mirroredTensor(tensor, side);
    // Plane 1, row 2 is 15 16 17: mirrored 17 16 15.
    expect(Array.from(mirrored.subarray(15, 18))).toEqual([17, 16, 15]);
    expect(Array.from(mirroredTensor(mirrored, side))).toEqual(Array.from(tensor));
  });

  it('describes a face and its mirror image alike, more so than the face alone does', async () => {
    const { mirrorAverage } = FACE_MODELS['yunet-fr512+omz256'];
    expect(mirrorAverage).toBe(true);
    const averaged = await OnnxFaceAnalyzer.load({ intraOpThreads: 1, mirrorAverage });
    const photo = await cropFace(PERSON_A, { width: 320 });
    const mirrorPhoto = await sharp(photo).flop().toBuffer();
    const describe = async (a: OnnxFaceAnalyzer, bytes: Buffer) => (await a.analyze(await rgb(bytes))).faces[0]!.descriptor;
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((sum, v, i) => sum + v * y[i]!, 0);
    const plainAlike = dot(await describe(analyzer, photo), await describe(analyzer, mirrorPhoto));
    const averagedDescriptor = await describe(averaged, photo);
    const averagedAlike = dot(averagedDescriptor, await describe(averaged, mirrorPhoto));
    expect(Math.hypot(...averagedDescriptor)).toBeCloseTo(1, 4);
    expect(averagedAlike).toBeGreaterThan(plainAlike);
    expect(averagedAlike).toBeGreaterThan(0.9);
    // Still the same person's descriptor: close to the plain one, not another vector.
    expect(dot(averagedDescriptor, await describe(analyzer, photo))).toBeGreaterThan(0.8);
  });

  it('describes a face once when asked (camera frames): the plain descriptor, exactly', async () => {
    const averaged = await OnnxFaceAnalyzer.load({ intraOpThreads: 1, mirrorAverage: true });
    const photo = await rgb(await cropFace(PERSON_A, { width: 320 }));
    const [once] = (await averaged.analyze({ ...photo, describeOnce: true })).faces;
    const [plain] = (await analyzer.analyze(photo)).faces;
    const [full] = (await averaged.analyze(photo)).faces;
    expect(Array.from(once!.descriptor)).toEqual(Array.from(plain!.descriptor));
    expect(Array.from(full!.descriptor)).not.toEqual(Array.from(plain!.descriptor));
  });
});

describe('weights', () => {
  it('refuses a weight file whose SHA-256 differs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'visage-weights-'));
    const bytes = await fs.readFile(path.join(weightsDir(), EMBEDDER_WEIGHTS.file));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await fs.writeFile(path.join(dir, EMBEDDER_WEIGHTS.file), bytes);
    try {
      await expect(readVerifiedWeights(EMBEDDER_WEIGHTS, dir)).rejects.toThrow(/SHA-256/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    await expect(readVerifiedWeights(EMBEDDER_WEIGHTS)).resolves.toHaveLength(4_884_269);
    await expect(readVerifiedWeights(REID_EMBEDDER_WEIGHTS)).resolves.toHaveLength(4_476_901);
  });
});
