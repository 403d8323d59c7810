/**
 * Realistic stand-ins for face descriptors at gallery sizes no photo set reaches: identities are
 * unit-scale vectors clustered around a common mean (as real descriptors are: different people
 * sit about 0.8–1.0 apart, not √2), each with several templates within ≈0.3 of its centre.
 */
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

const DIMENSIONS = 128;

export function syntheticGallery(templates: number, perIdentity = 3, seed = 42): SyntheticGallery {
  const random = seededRandom(seed);
  const mean = Float32Array.from({ length: DIMENSIONS }, () => random.gaussian());
  const meanNorm = Math.hypot(...mean);
  for (let i = 0; i < DIMENSIONS; i++) mean[i]! /= meanNorm;
  const identities = Math.ceil(templates / perIdentity);
  const descriptors: Float32Array[] = [];
  const identityOf = new Int32Array(templates);
  const spread = 0.65 / Math.sqrt(DIMENSIONS); // centres ≈ 0.9 apart
  const jitter = 0.21 / Math.sqrt(DIMENSIONS); // templates of one identity ≈ 0.3 apart
  for (let id = 0; id < identities && descriptors.length < templates; id++) {
    const centre = Float32Array.from(mean, (m) => m * 0.8 + random.gaussian() * spread);
    for (let k = 0; k < perIdentity && descriptors.length < templates; k++) {
      identityOf[descriptors.length] = id;
      descriptors.push(Float32Array.from(centre, (c) => c + random.gaussian() * jitter));
    }
  }
  return { descriptors, identityOf };
}

/** A probe: another sighting of identity-member `index`'s face (not in the gallery). */
export function probeNear(descriptor: Float32Array, random: ReturnType<typeof seededRandom>): Float32Array {
  const jitter = 0.21 / Math.sqrt(DIMENSIONS);
  return Float32Array.from(descriptor, (c) => c + random.gaussian() * jitter);
}
