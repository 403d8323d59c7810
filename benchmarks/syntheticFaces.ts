/**
 * Realistic stand-ins for face descriptors at gallery sizes no photo set reaches. Real face-api
 * descriptors are far from isotropic: over the LFW View 1 photos (this service's pipeline) the
 * spread of people's mean descriptors has an effective dimension of about 26 of 128, and a
 * person's own photos vary along about 60. The two variance spectra below are those measured
 * eigenvalues (derived statistics of 4,986 descriptors, no photo): identities are drawn from the
 * first around a common mean (norm 1.31, as measured), each template around its identity from
 * the second, in a fixed random orthonormal basis. Different people then sit about 0.8 apart and
 * photos of one person about 0.33, as in LFW.
 */

/** Variance of identity centres along each principal axis (LFW View 1, between-person). */
const BETWEEN_VARIANCE = [0.0322, 0.0226, 0.0159, 0.0139, 0.0111, 0.0101, 0.00934, 0.0073, 0.00713, 0.0068, 0.00635, 0.00612, 0.00599, 0.00537, 0.00487, 0.00472, 0.00455, 0.0043, 0.00406, 0.00379, 0.00373, 0.00371, 0.00356, 0.00333, 0.00327, 0.00298, 0.00297, 0.00283, 0.0027, 0.00261, 0.00248, 0.00241, 0.00236, 0.00225, 0.00212, 0.00207, 0.00202, 0.00193, 0.00186, 0.00182, 0.00175, 0.00172, 0.00166, 0.00165, 0.00158, 0.00148, 0.00144, 0.00134, 0.00132, 0.00128, 0.00123, 0.00123, 0.00117, 0.00116, 0.00108, 0.00102, 0.001, 0.00097, 0.00091, 0.000856, 0.000799, 0.00078, 0.000752, 0.00074, 0.000717, 0.00067, 0.000618, 0.000602, 0.00059, 0.000544, 0.000525, 0.000489, 0.000437, 0.000371, 0.000276, 0.000231, 0.000116, 2.99e-06, 4.8e-07, 2.02e-07, 6.88e-08, 1.71e-08, 1.46e-08, 1.35e-08, 1.24e-08, 1.17e-08, 1.11e-08, 1.03e-08, 9.41e-09, 8.99e-09, 8.47e-09, 8.43e-09, 7.97e-09, 7.1e-09, 6.83e-09, 6.44e-09, 6.19e-09, 6.08e-09, 5.92e-09, 5.61e-09, 5.2e-09, 5.13e-09, 4.96e-09, 4.6e-09, 4.37e-09, 4.12e-09, 4e-09, 3.85e-09, 3.72e-09, 3.55e-09, 3.36e-09, 3.22e-09, 3.09e-09, 2.97e-09, 2.78e-09, 2.74e-09, 2.61e-09, 2.46e-09, 2.3e-09, 2.25e-09, 2.1e-09, 2.02e-09, 1.98e-09, 1.88e-09, 1.79e-09, 1.46e-09, 1.15e-09, 1.06e-09];
/** Variance of one person's templates along each axis (LFW View 1, within-person). */
const WITHIN_VARIANCE = [0.0016, 0.0015, 0.00145, 0.00144, 0.00139, 0.00136, 0.00133, 0.00128, 0.00125, 0.00123, 0.00121, 0.00118, 0.00116, 0.00111, 0.0011, 0.00107, 0.00106, 0.00104, 0.00102, 0.000986, 0.000962, 0.000958, 0.00093, 0.000922, 0.000895, 0.00086, 0.00084, 0.000807, 0.000805, 0.000788, 0.00078, 0.00076, 0.000758, 0.000743, 0.00074, 0.00071, 0.000701, 0.000691, 0.000667, 0.000636, 0.000623, 0.000613, 0.000599, 0.00059, 0.000573, 0.000569, 0.00054, 0.000523, 0.000506, 0.000499, 0.000482, 0.000471, 0.000466, 0.000461, 0.000438, 0.000427, 0.000423, 0.000406, 0.000395, 0.000387, 0.000379, 0.000373, 0.00035, 0.000342, 0.000333, 0.000315, 0.00029, 0.00028, 0.000269, 0.000262, 0.000246, 0.000214, 0.000207, 0.000159, 0.000134, 0.000121, 5.91e-05, 1.83e-06, 2.99e-07, 1.15e-07, 4.23e-08, 9.87e-09, 8.88e-09, 8.22e-09, 7.83e-09, 7.04e-09, 6.72e-09, 6.44e-09, 6.08e-09, 5.93e-09, 5.46e-09, 5.02e-09, 4.99e-09, 4.78e-09, 4.55e-09, 4.29e-09, 4.24e-09, 3.98e-09, 3.78e-09, 3.71e-09, 3.56e-09, 3.48e-09, 3.33e-09, 3e-09, 2.81e-09, 2.76e-09, 2.57e-09, 2.53e-09, 2.48e-09, 2.24e-09, 2.21e-09, 2.09e-09, 1.97e-09, 1.85e-09, 1.79e-09, 1.75e-09, 1.63e-09, 1.6e-09, 1.5e-09, 1.43e-09, 1.33e-09, 1.26e-09, 1.19e-09, 1.1e-09, 1.01e-09, 8.97e-10, 7.37e-10, 7.26e-10];
const MEAN_NORM = 1.306;
const DIMENSIONS = 128;

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

/** A random orthonormal basis of R^128 (Gram–Schmidt on Gaussian vectors). */
function randomBasis(random: Random): Float64Array[] {
  const basis: Float64Array[] = [];
  while (basis.length < DIMENSIONS) {
    const v = Float64Array.from({ length: DIMENSIONS }, () => random.gaussian());
    for (const u of basis) {
      let dot = 0;
      for (let i = 0; i < DIMENSIONS; i++) dot += v[i]! * u[i]!;
      for (let i = 0; i < DIMENSIONS; i++) v[i]! -= dot * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm < 1e-6) continue;
    for (let i = 0; i < DIMENSIONS; i++) v[i]! /= norm;
    basis.push(v);
  }
  return basis;
}

/** A sample around `centre` with the given variance along each basis axis. */
function around(centre: ArrayLike<number>, variances: readonly number[], basis: Float64Array[], random: Random): Float32Array {
  const out = Float32Array.from(centre);
  for (let k = 0; k < DIMENSIONS; k++) {
    const scale = Math.sqrt(variances[k]!) * random.gaussian();
    const axis = basis[k]!;
    for (let i = 0; i < DIMENSIONS; i++) out[i]! += scale * axis[i]!;
  }
  return out;
}

/** The generator's fixed geometry: one basis and mean for every gallery and probe. */
function geometry() {
  const random = seededRandom(2026);
  const basis = randomBasis(random);
  const direction = randomBasis(random)[0]!;
  const mean = Float32Array.from(direction, (x) => x * MEAN_NORM);
  return { basis, mean };
}
const { basis, mean } = geometry();

/** `templates` descriptors, `perIdentity` per person. */
export function syntheticGallery(templates: number, perIdentity = 3, seed = 42): SyntheticGallery {
  const random = seededRandom(seed);
  const descriptors: Float32Array[] = [];
  const identityOf = new Int32Array(templates);
  for (let id = 0; descriptors.length < templates; id++) {
    const centre = around(mean, BETWEEN_VARIANCE, basis, random);
    for (let k = 0; k < perIdentity && descriptors.length < templates; k++) {
      identityOf[descriptors.length] = id;
      descriptors.push(around(centre, WITHIN_VARIANCE, basis, random));
    }
  }
  return { descriptors, identityOf };
}

/** A probe: another photo of the person a template shows (not in the gallery). */
export function probeNear(template: Float32Array, random: Random): Float32Array {
  return around(template, WITHIN_VARIANCE, basis, random);
}
