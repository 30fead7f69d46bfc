import { createRng } from "@contrastive/core";

/**
 * The first two principal components of `n` rows of `d` features (row-major), by power iteration
 * on the centred data with deflation: each iteration multiplies by Xᵀ X without forming the d × d
 * covariance. Returns the 2-D coordinates [n × 2] (row-major) and the share of variance each
 * component explains. Signs are fixed so that the largest-magnitude loading is positive.
 *
 * @example
 * const { points } = pca2d(features, 1000, 128); // points[2i], points[2i+1]: row i
 */
export function pca2d(values: Float32Array, n: number, d: number, iterations = 200): { points: Float64Array; explained: [number, number] } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += (values[i * d + j] as number) / n;
  const x = new Float64Array(n * d);
  let total = 0;
  for (let i = 0; i < n * d; i++) {
    x[i] = (values[i] as number) - (mean[i % d] as number);
    total += (x[i] as number) ** 2;
  }
  const rng = createRng(0);
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, () => rng.next() - 0.5);
    let eigen = 0;
    for (let it = 0; it < iterations; it++) {
      const xv = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j] as number) * (v[j] as number);
        xv[i] = s;
      }
      const next = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) next[j] += (x[i * d + j] as number) * (xv[i] as number);
      for (const previous of components) {
        const dot = next.reduce((s, value, j) => s + value * (previous[j] as number), 0);
        for (let j = 0; j < d; j++) next[j] -= dot * (previous[j] as number);
      }
      eigen = Math.hypot(...next);
      if (eigen === 0) break;
      v = next.map((value) => value / eigen);
    }
    let largest = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j] as number) > Math.abs(v[largest] as number)) largest = j;
    if ((v[largest] as number) < 0) v = v.map((value) => -value);
    components.push(v);
    variances.push(eigen);
  }
  const points = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] as number) * (components[c]![j] as number);
      points[i * 2 + c] = s;
    }
  }
  return { points, explained: [total > 0 ? variances[0]! / total : 0, total > 0 ? variances[1]! / total : 0] };
}
