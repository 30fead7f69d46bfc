import * as tf from "@tensorflow/tfjs-core";
import { type BankContext, type BankState, ContrastiveError, createRng, describeValue } from "@contrastive/core";

/** Checks the keys given to a bank's `update`: [N, dim], N equal to the number of indices (when required). */
export function checkKeys(component: string, keys: tf.Tensor2D, dim: number, context?: BankContext): void {
  if (!keys || keys.rank !== 2 || keys.shape[1] !== dim || (context && keys.shape[0] !== context.indices.length)) {
    const rows = context ? String(context.indices.length) : "N";
    throw new ContrastiveError({ component, argument: "keys", received: describeValue(keys), expected: `a tensor of shape [${rows}, ${dim}]` });
  }
}

/** Checks a saved state before `restore`. */
export function checkState(component: string, state: BankState, name: string, rows: number, dim: number): void {
  const ok = state && state.name === name && state.shape?.[0] === rows && state.shape?.[1] === dim && state.values?.length === rows * dim;
  if (!ok) {
    throw new ContrastiveError({
      component,
      argument: "state",
      received: state ? `${state.name} of shape [${state.shape?.join(", ")}] with ${state.values?.length} values` : describeValue(state),
      expected: `the state of a ${name} of shape [${rows}, ${dim}]`,
    });
  }
}

/** L2-normalises `rows` rows of length `dim` in place (zero rows stay zero). */
export function normalizeRowsInPlace(values: Float32Array, rows: number, dim: number): Float32Array {
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let c = 0; c < dim; c++) sq += (values[r * dim + c] as number) ** 2;
    const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let c = 0; c < dim; c++) values[r * dim + c] = (values[r * dim + c] as number) * inv;
  }
  return values;
}

/** Reads keys to the host, L2-normalised per row; rejects NaN or infinite keys. */
export function normalizedRows(component: string, keys: tf.Tensor2D): Float32Array {
  const out = normalizeRowsInPlace(Float32Array.from(keys.dataSync() as Float32Array), keys.shape[0], keys.shape[1]);
  if (!out.every(Number.isFinite)) {
    throw new ContrastiveError({ component, argument: "keys", received: "NaN or infinite values", expected: "finite embeddings" });
  }
  return out;
}

/** `rows` random unit vectors of length `dim` (Gaussian then normalised: uniform on the sphere). */
export function randomUnitRows(seed: number, rows: number, dim: number): Float32Array {
  const rng = createRng(seed);
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return normalizeRowsInPlace(values, rows, dim);
}
