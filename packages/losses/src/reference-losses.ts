/*
 * Plain-loop float64 references of the losses other than NT-Xent, for the tests: no tensors, no
 * vectorisation, each written straight from its library's definition. Views are flat row-major
 * arrays of `rows × columns`.
 */
import { dot, logSumExp, normalizedRows } from "./nt-xent-reference.js";

/** A flat `[rows, columns]` array as rows of numbers. */
function asRows(view: ArrayLike<number>, rows: number, columns: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => view[r * columns + c] as number));
}

/**
 * InfoNCE: mean over queries i of −log softmax(logits_i)[positive], s = cosine / τ; logits are
 * s(q_i, k_j) for every j and s(q_i, m_l) for every negative (in-batch), or s(q_i, k_i) then s(q_i, m_l) (MoCo).
 */
export function infoNceReference(
  queries: ArrayLike<number>, keys: ArrayLike<number>, rows: number, columns: number, temperature: number,
  { negatives, negativeRows = 0, inBatchNegatives = true }: { negatives?: ArrayLike<number>; negativeRows?: number; inBatchNegatives?: boolean } = {},
): number {
  const q = normalizedRows(queries, rows, columns);
  const k = normalizedRows(keys, rows, columns);
  const m = negatives === undefined ? [] : normalizedRows(negatives, negativeRows, columns);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const logits: number[] = [];
    for (let j = 0; j < rows; j++) if (inBatchNegatives || j === i) logits.push(dot(q[i]!, k[j]!) / temperature);
    for (const negative of m) logits.push(dot(q[i]!, negative) / temperature);
    total += logSumExp(logits) - dot(q[i]!, k[i]!) / temperature;
  }
  return total / rows;
}

/**
 * pytorch-metric-learning's SupConLoss over V views stacked (row v·N + r has label `labels[r]`, default r):
 * per anchor a, −mean over positives p ≠ a of (s_ap − log Σ_{k ≠ a} exp s_ak); averaged over anchors with
 * a loss > 0; 0 when there is no positive pair or no negative pair.
 */
export function supConReference(views: ArrayLike<number>[], rows: number, columns: number, temperature: number, labels?: ArrayLike<number>): number {
  const z = views.flatMap((view) => normalizedRows(view, rows, columns));
  const label = (index: number): number => (labels === undefined ? index % rows : (labels[index % rows] as number));
  let positivePairs = 0;
  let negativePairs = 0;
  let total = 0;
  let counted = 0;
  for (let a = 0; a < z.length; a++) {
    const others: number[] = [];
    for (let k = 0; k < z.length; k++) if (k !== a) others.push(dot(z[a]!, z[k]!) / temperature);
    const denominator = logSumExp(others);
    let sum = 0;
    let count = 0;
    for (let p = 0; p < z.length; p++) {
      if (p === a) continue;
      if (label(p) !== label(a)) {
        negativePairs++;
        continue;
      }
      sum += dot(z[a]!, z[p]!) / temperature - denominator;
      count++;
    }
    positivePairs += count;
    const loss = count === 0 ? 0 : -sum / count;
    if (loss > 0) {
      total += loss;
      counted++;
    }
  }
  return positivePairs === 0 || negativePairs === 0 || counted === 0 ? 0 : total / counted;
}

/** DCL, Eq. 6 of Yeh et al. 2022: ½ (L(a, b) + L(b, a)), L(a, b) = mean_i [−s(a_i, b_i) + lse over j≠i of s(a_i, a_j) and s(a_i, b_j) together]. */
export function dclReference(first: ArrayLike<number>, second: ArrayLike<number>, rows: number, columns: number, temperature: number): number {
  const a = normalizedRows(first, rows, columns);
  const b = normalizedRows(second, rows, columns);
  const oneWay = (x: Float64Array[], y: Float64Array[]): number => {
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const within: number[] = [];
      const across: number[] = [];
      for (let j = 0; j < rows; j++) {
        if (j === i) continue;
        within.push(dot(x[i]!, x[j]!) / temperature);
        across.push(dot(x[i]!, y[j]!) / temperature);
      }
      total += -dot(x[i]!, y[i]!) / temperature + logSumExp([...within, ...across]);
    }
    return total / rows;
  };
  return 0.5 * (oneWay(a, b) + oneWay(b, a));
}

/** Column means and variances (biased: / N, or unbiased: / (N − 1)) of a `[rows, columns]` matrix. */
function columnStatistics(x: number[][], unbiased: boolean): { mean: number[]; variance: number[] } {
  const rows = x.length;
  const columns = x[0]!.length;
  const mean = Array.from({ length: columns }, (_, c) => x.reduce((total, row) => total + row[c]!, 0) / rows);
  const variance = Array.from({ length: columns }, (_, c) => x.reduce((total, row) => total + (row[c]! - mean[c]!) ** 2, 0) / (unbiased ? rows - 1 : rows));
  return { mean, variance };
}

/** lightly's BarlowTwinsLoss: per-view batch norm (biased variance, eps 1e-5), C = âᵀb̂ / N, Σ (1 − C_ii)² + λ Σ_{i≠j} C_ij². */
export function barlowTwinsReference(first: ArrayLike<number>, second: ArrayLike<number>, rows: number, columns: number, lambda: number): number {
  const normalise = (view: ArrayLike<number>): number[][] => {
    const x = asRows(view, rows, columns);
    const { mean, variance } = columnStatistics(x, false);
    return x.map((row) => row.map((value, c) => (value - mean[c]!) / Math.sqrt(variance[c]! + 1e-5)));
  };
  const a = normalise(first);
  const b = normalise(second);
  let loss = 0;
  for (let i = 0; i < columns; i++) {
    for (let j = 0; j < columns; j++) {
      let c = 0;
      for (let r = 0; r < rows; r++) c += a[r]![i]! * b[r]![j]!;
      c /= rows;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

/** lightly's VICRegLoss: λ mse + μ ½ (v(a) + v(b)) + ν (c(a) + c(b)); unbiased statistics, eps 1e-4, c divided by d. */
export function vicRegReference(
  first: ArrayLike<number>, second: ArrayLike<number>, rows: number, columns: number,
  weights: { invariance: number; variance: number; covariance: number } = { invariance: 25, variance: 25, covariance: 1 },
): number {
  const a = asRows(first, rows, columns);
  const b = asRows(second, rows, columns);
  let squared = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) squared += (a[r]![c]! - b[r]![c]!) ** 2;
  const terms = (x: number[][]): [number, number] => {
    const { mean, variance } = columnStatistics(x, true);
    const varianceTerm = variance.reduce((total, v) => total + Math.max(0, 1 - Math.sqrt(v + 1e-4)), 0) / columns;
    let covarianceTerm = 0;
    for (let i = 0; i < columns; i++) {
      for (let j = 0; j < columns; j++) {
        if (i === j) continue;
        let cov = 0;
        for (let r = 0; r < rows; r++) cov += (x[r]![i]! - mean[i]!) * (x[r]![j]! - mean[j]!);
        covarianceTerm += (cov / (rows - 1)) ** 2;
      }
    }
    return [varianceTerm, covarianceTerm / columns];
  };
  const [varianceA, covarianceA] = terms(a);
  const [varianceB, covarianceB] = terms(b);
  return weights.invariance * (squared / (rows * columns)) + weights.variance * 0.5 * (varianceA + varianceB) + weights.covariance * (covarianceA + covarianceB);
}

/** lightly's NegativeCosineSimilarity: −mean_i a_i · b_i / (max(‖a_i‖, 1e-8) max(‖b_i‖, 1e-8)). */
export function negativeCosineReference(first: ArrayLike<number>, second: ArrayLike<number>, rows: number, columns: number): number {
  const a = normalizedRows(first, rows, columns, 1e-8);
  const b = normalizedRows(second, rows, columns, 1e-8);
  let total = 0;
  for (let i = 0; i < rows; i++) total += dot(a[i]!, b[i]!);
  return -total / rows;
}
