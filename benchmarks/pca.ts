/**
 * Principal axes of a set of vectors (cyclic Jacobi on the covariance), largest variance first.
 * Small and exact enough for a few thousand descriptors of a few hundred dimensions.
 */
export function principalAxes(vectors: ArrayLike<number>[]): { mean: Float64Array; variances: number[]; axes: Float64Array[] } {
  const n = vectors[0]!.length;
  const mean = meanOf(vectors);
  const { values, vectors: eigen } = symmetricEigen(covariance(vectors.map((v) => ({ v, centre: mean }))), n);
  const order = values.map((value, i) => ({ value, i })).sort((a, b) => b.value - a.value);
  return { mean, variances: order.map((o) => Math.max(0, o.value)), axes: order.map((o) => eigen[o.i]!) };
}

export function meanOf(vectors: ArrayLike<number>[]): Float64Array {
  const mean = new Float64Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < mean.length; i++) mean[i]! += v[i]! / vectors.length;
  return mean;
}

/** Covariance (n×n, row-major) of each row's vector around its own centre. */
export function covariance(rows: { v: ArrayLike<number>; centre: ArrayLike<number> }[]): Float64Array {
  const n = rows[0]!.v.length;
  const c = new Float64Array(n * n);
  const x = new Float64Array(n);
  for (const { v, centre } of rows) {
    for (let i = 0; i < n; i++) x[i] = v[i]! - centre[i]!;
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) c[i * n + j]! += (x[i]! * x[j]!) / rows.length;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i]!;
  return c;
}

/** Eigenvalues of a symmetric matrix, largest first (the spectrum only). */
export function eigenvalues(matrix: Float64Array, n: number): number[] {
  return symmetricEigen(matrix, n, false).values.map((v) => Math.max(0, v)).sort((a, b) => b - a);
}

/** Cyclic Jacobi rotations: eigenvalues and (optionally) eigenvectors of a symmetric n×n matrix. */
function symmetricEigen(input: Float64Array, n: number, withVectors = true): { values: number[]; vectors: Float64Array[] } {
  const a = Float64Array.from(input);
  const v = withVectors ? new Float64Array(n * n) : undefined;
  if (v) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-18) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!;
            const vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const values = Array.from({ length: n }, (_, i) => a[i * n + i]!);
  const vectors = v ? Array.from({ length: n }, (_, col) => Float64Array.from({ length: n }, (_, row) => v[row * n + col]!)) : [];
  return { values, vectors };
}
