import { describe, expect, it } from 'vitest';
import { FACE_MODELS, readFalseMatchCurve } from '../../../models/faceModels.js';
import { fpirOf, PartitionThresholds } from './partitionThresholds.js';

const curve = { pairs: 1_000_000, source: 'test', points: [[0.5, 100], [0.55, 10], [0.6, 1], [0.65, 0]] as [number, number][] };

describe('partition thresholds', () => {
  it('keep the configured threshold while the partition is small enough, and tighten it as it grows', () => {
    const thresholds = new PartitionThresholds('cosine', curve);
    // 5 templates at 0.5: FMR 1e-4, FPIR ≈ 5e-4 ≤ 1e-3: the floor holds.
    expect(thresholds.forSize(5, 0.001, 0.5)).toEqual({ threshold: 0.5, expectedFpir: fpirOf(1e-4, 5) });
    // 50 templates: 0.5 would give 0.5%; 0.55 (FMR 1e-5) gives 0.05%.
    expect(thresholds.forSize(50, 0.001, 0.5)).toMatchObject({ threshold: 0.55 });
    // 500: 0.6, where one pair in a million was closer.
    expect(thresholds.forSize(500, 0.001, 0.5)).toMatchObject({ threshold: 0.6 });
    // Past target × pairs (1,000) no measured threshold holds it: the curve is never extrapolated.
    expect(thresholds.forSize(1_001, 0.001, 0.5)).toBeUndefined();
    expect(thresholds.maxTemplates(0.001)).toBe(1_000);
    // Never looser than the floor, whatever the size.
    expect(thresholds.forSize(5, 0.001, 0.62)).toMatchObject({ threshold: 0.62 });
    // An empty partition matches nobody.
    expect(thresholds.forSize(0, 0.001, 0.5)).toEqual({ threshold: 0.5, expectedFpir: 0 });
  });

  it("hold a threshold fitted on the deployment's own members at its size, and tighten it only by what the curve needs past it", () => {
    const thresholds = new PartitionThresholds('cosine', curve);
    // Applied at 0.52 for a group of 500 at 0.1%: LFW's curve alone would search those 500 at 0.6.
    expect(thresholds.forSize(500, 0.001, 0.52)).toMatchObject({ threshold: 0.6 });
    const fitted = thresholds.forSize(500, 0.001, 0.52, { templates: 500, targetFpir: 0.001 })!;
    expect(fitted.threshold).toBe(0.52);
    expect(fitted.expectedFpir).toBeCloseTo(0.001, 6); // the fit's own target, at its own size
    // Fitted at 50 (where the curve asks 0.55): 500 templates need what the curve adds from 50 to 500 (0.55 → 0.6).
    const small = { templates: 50, targetFpir: 0.001 };
    expect(thresholds.forSize(500, 0.001, 0.52, small)).toMatchObject({ threshold: 0.57 });
    expect(thresholds.forSize(500, 0.001, 0.52, small)!.expectedFpir!).toBeLessThan(0.001);
    // Smaller partitions are never searched looser than the fit.
    expect(thresholds.forSize(5, 0.001, 0.52, small)).toMatchObject({ threshold: 0.52 });
    // Past what the curve can hold at all: only up to the size the deployment measured.
    expect(thresholds.forSize(2_000, 0.001, 0.52, small)).toBeUndefined();
    expect(thresholds.forSize(2_000, 0.001, 0.52, { templates: 2_000, targetFpir: 0.001 })).toMatchObject({ threshold: 0.52 });
  });

  it('keep the configured thresholds of a model without a measured curve, at any size', () => {
    const thresholds = new PartitionThresholds('euclidean', undefined);
    expect(thresholds.forSize(10_000_000, 0.001, 0.373)).toEqual({ threshold: 0.373, expectedFpir: null });
    expect(thresholds.maxTemplates(0.001)).toBe(Number.POSITIVE_INFINITY);
  });

  it("hold 0.1% with the default model's measured curve: 0.535 for a mall's few hundred, stricter by ten thousand, no search at a million", () => {
    const measured = readFalseMatchCurve(FACE_MODELS['yunet-fr512']);
    expect(measured?.pairs).toBeGreaterThan(10_000_000);
    const thresholds = new PartitionThresholds('cosine', measured);
    expect(thresholds.forSize(300, 0.001, 0.535)?.threshold).toBe(0.535);
    const atTenThousand = thresholds.forSize(10_000, 0.001, 0.535)!;
    expect(atTenThousand.threshold).toBeGreaterThan(0.6);
    expect(atTenThousand.expectedFpir).toBeLessThanOrEqual(0.001);
    expect(thresholds.forSize(1_000_000, 0.001, 0.535)).toBeUndefined();
  });

  it("refuses a curve measured for other weights of the model (another model's scale)", () => {
    const spec = FACE_MODELS['yunet-fr512+omz256'];
    expect(readFalseMatchCurve(spec)?.pairs).toBeGreaterThan(1_000_000);
    expect(() => readFalseMatchCurve({ ...spec, version: `${spec.version}.other` })).toThrow(/was calibrated for .* not /);
  });
});
