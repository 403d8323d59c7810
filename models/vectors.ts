/** Scales a vector to unit length in place (cosine similarity becomes a dot product); zeros stay zeros. */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** The (weighted) mean of equally long vectors: a track's, a session's or a visitor's face from several frames. */
export function meanVector(vectors: readonly ArrayLike<number>[], weights?: readonly number[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  const total = weights ? weights.reduce((sum, w) => sum + w, 0) : vectors.length;
  vectors.forEach((vector, k) => {
    const share = (weights ? weights[k]! : 1) / total;
    for (let i = 0; i < out.length; i++) out[i]! += vector[i]! * share;
  });
  return out;
}

/** How several embedders' descriptors make one: each part's length and weight (the weights sum to 1). */
export interface Fusion {
  parts: readonly { dimension: number; weight: number }[];
}

/**
 * One vector from unit-length descriptors of several embedders: [√w₁·a, √w₂·b, …]. It is unit
 * length, and the dot product of two such vectors is w₁·cos(a, a′) + w₂·cos(b, b′): the weighted
 * mean of the models' cosine similarities, exactly — so the index's cosine search, the partitions
 * and every threshold work on the fused score unchanged, and each model's descriptor stays
 * recoverable (splitFused).
 */
export function fusedDescriptor(parts: readonly Float32Array[], fusion: Fusion): Float32Array {
  const out = new Float32Array(fusion.parts.reduce((n, p) => n + p.dimension, 0));
  let offset = 0;
  fusion.parts.forEach(({ dimension, weight }, k) => {
    const part = parts[k]!;
    if (part.length !== dimension) throw new RangeError(`fused part ${k} has ${part.length} values, expected ${dimension}`);
    const scale = Math.sqrt(weight);
    for (let i = 0; i < dimension; i++) out[offset + i] = part[i]! * scale;
    offset += dimension;
  });
  return out;
}

/** Each embedder's unit-length descriptor back from a fused one (benchmarks weigh them anew). */
export function splitFused(descriptor: ArrayLike<number>, fusion: Fusion): Float32Array[] {
  let offset = 0;
  return fusion.parts.map(({ dimension }) => {
    const part = l2Normalise(Float32Array.from(Array.prototype.slice.call(descriptor, offset, offset + dimension) as number[]));
    offset += dimension;
    return part;
  });
}
