/*
 * Plain-loop float64 references of NT-Xent, for the tests: no tensors, no vectorisation, each written
 * straight from its paper or library definition. Views are flat row-major arrays of `rows × columns`.
 */

/** The rows of a flat `[rows, columns]` array divided by max(‖row‖, epsilon), as `l2Normalize`. */
export function normalizedRows(view: ArrayLike<number>, rows: number, columns: number, epsilon = 1e-12): Float64Array[] {
  const result: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Float64Array.from({ length: columns }, (_, c) => view[r * columns + c] as number);
    const norm = Math.max(Math.hypot(...row), epsilon);
    result.push(row.map((value) => value / norm));
  }
  return result;
}

export function dot(u: Float64Array, v: Float64Array): number {
  let total = 0;
  for (let k = 0; k < u.length; k++) total += (u[k] as number) * (v[k] as number);
  return total;
}

/** log Σ exp(values), shifted by the maximum. */
export function logSumExp(values: number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((total, value) => total + Math.exp(value - max), 0));
}

/**
 * SimCLR / lightly NT-Xent of two views: mean over the 2N anchors i of
 * −(s_i,pos − log Σ_{j ≠ i} exp(s_ij)), s = cosine / τ, pos = the other view of i.
 */
export function simclrReference(first: ArrayLike<number>, second: ArrayLike<number>, rows: number, columns: number, temperature: number): number {
  const z = [...normalizedRows(first, rows, columns), ...normalizedRows(second, rows, columns)];
  let total = 0;
  for (let i = 0; i < 2 * rows; i++) {
    const others: number[] = [];
    for (let j = 0; j < 2 * rows; j++) if (j !== i) others.push(dot(z[i]!, z[j]!) / temperature);
    const positive = (i + rows) % (2 * rows);
    total += logSumExp(others) - dot(z[i]!, z[positive]!) / temperature;
  }
  return total / (2 * rows);
}

/**
 * pytorch-metric-learning's NTXentLoss over V views stacked (row r of view v is stacked row v·N + r,
 * label `labels[r]`, default r): mean over positive pairs (a, p) — a ≠ p, equal labels — of
 * −log(exp(s_ap) / (exp(s_ap) + Σ_{n: label ≠ label_a} exp(s_an))).
 */
export function pmlReference(views: ArrayLike<number>[], rows: number, columns: number, temperature: number, labels?: ArrayLike<number>): number {
  const z = views.flatMap((view) => normalizedRows(view, rows, columns));
  const label = (index: number): number => (labels === undefined ? index % rows : (labels[index % rows] as number));
  let total = 0;
  let pairs = 0;
  for (let a = 0; a < z.length; a++) {
    const negatives: number[] = [];
    for (let n = 0; n < z.length; n++) if (label(n) !== label(a)) negatives.push(dot(z[a]!, z[n]!) / temperature);
    for (let p = 0; p < z.length; p++) {
      if (p === a || label(p) !== label(a)) continue;
      const positive = dot(z[a]!, z[p]!) / temperature;
      total += logSumExp([positive, ...negatives]) - positive;
      pairs++;
    }
  }
  return total / pairs;
}

/** Splits a flat array of V views `[rows, columns]` into its views. */
export function splitViews(flat: Float64Array, count: number): Float64Array[] {
  const size = flat.length / count;
  return Array.from({ length: count }, (_, v) => flat.subarray(v * size, (v + 1) * size));
}
