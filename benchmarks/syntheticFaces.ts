/**
 * Realistic stand-ins for face descriptors at gallery sizes no photo set reaches. Real
 * descriptors are far from isotropic: people's mean descriptors spread along a few dozen axes and
 * a person's own photos vary along others. `benchmarks/spectra/<model>.json` holds a model's two
 * measured variance spectra (eigenvalues over LFW View 1, written by measureSpectra.ts; derived
 * statistics, no photo or descriptor): identities are drawn from the between-person spectrum
 * around a common mean, each template around its identity from the within-person spectrum, in a
 * fixed random orthonormal basis; a unit-length model's samples are then normalised, as the
 * pipeline does. Different people and photos of one person then sit as far apart as in LFW.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FaceModelKey } from '../models/faceModels.js';
import { l2Normalise } from '../models/vectors.js';

export interface Spectra {
  model: string;
  measuredOn: string;
  meanNorm: number;
  unitLength: boolean;
  /** Variance of identity centres along each principal axis, largest first. */
  between: number[];
  /** Variance of a person's photos around their centre along each axis, largest first. */
  within: number[];
}

export const spectraFile = (key: FaceModelKey): string => path.join(import.meta.dirname, 'spectra', `${key}.json`);

export interface SyntheticGallery {
  descriptors: Float32Array[];
  identityOf: Int32Array;
}

/** A seeded PRNG (mulberry32) with a Gaussian helper (Box–Muller). */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return { uniform, gaussian };
}

type Random = ReturnType<typeof seededRandom>;

/** A random orthonormal basis of R^n (Gram–Schmidt on Gaussian vectors). */
function randomBasis(random: Random, n: number): Float64Array[] {
  const basis: Float64Array[] = [];
  while (basis.length < n) {
    const v = Float64Array.from({ length: n }, () => random.gaussian());
    for (const u of basis) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i]! * u[i]!;
      for (let i = 0; i < n; i++) v[i]! -= dot * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm < 1e-6) continue;
    for (let i = 0; i < n; i++) v[i]! /= norm;
    basis.push(v);
  }
  return basis;
}

/** Synthetic descriptors shaped like one model's. */
export class DescriptorShape {
  private readonly basis: Float64Array[];
  private readonly mean: Float32Array;
  readonly dimension: number;

  constructor(readonly spectra: Spectra) {
    this.dimension = spectra.between.length;
    const random = seededRandom(2026);
    this.basis = randomBasis(random, this.dimension);
    const direction = randomBasis(random, this.dimension)[0]!;
    this.mean = Float32Array.from(direction, (x) => x * spectra.meanNorm);
  }

  static of(key: FaceModelKey): DescriptorShape {
    return new DescriptorShape(JSON.parse(fs.readFileSync(spectraFile(key), 'utf8')) as Spectra);
  }

  /** A sample around `centre` with the given variance along each basis axis (not normalised). */
  private around(centre: ArrayLike<number>, variances: readonly number[], random: Random): Float32Array {
    const out = Float32Array.from(centre);
    for (let k = 0; k < this.dimension; k++) {
      const scale = Math.sqrt(variances[k]!) * random.gaussian();
      if (scale === 0) continue;
      const axis = this.basis[k]!;
      for (let i = 0; i < this.dimension; i++) out[i]! += scale * axis[i]!;
    }
    return out;
  }

  private finish(v: Float32Array): Float32Array {
    return this.spectra.unitLength ? l2Normalise(v) : v;
  }

  /** `templates` descriptors, `perIdentity` per person. */
  gallery(templates: number, perIdentity = 3, seed = 42): SyntheticGallery {
    const random = seededRandom(seed);
    const descriptors: Float32Array[] = [];
    const identityOf = new Int32Array(templates);
    for (let id = 0; descriptors.length < templates; id++) {
      const centre = this.around(this.mean, this.spectra.between, random);
      for (let k = 0; k < perIdentity && descriptors.length < templates; k++) {
        identityOf[descriptors.length] = id;
        descriptors.push(this.finish(this.around(centre, this.spectra.within, random)));
      }
    }
    return { descriptors, identityOf };
  }

  /** A probe: another photo of the person a template shows (not in the gallery). */
  probeNear(template: Float32Array, random: Random): Float32Array {
    return this.finish(this.around(template, this.spectra.within, random));
  }
}
