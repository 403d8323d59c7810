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
