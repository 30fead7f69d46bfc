import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, NonFiniteError, describeValue } from "@contrastive/core";
import type { EmbeddingBatch } from "@contrastive/core";

/** True for anything shaped like a tensor (duck-typed, so that two copies of tfjs-core both pass). */
function isTensor(value: unknown): value is tf.Tensor {
  const shaped = value as { shape?: unknown; dtype?: unknown } | null | undefined;
  return typeof shaped === "object" && shaped !== null && Array.isArray(shaped.shape) && typeof shaped.dtype === "string";
}

const formatShape = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

/**
 * Checks `batch.views`: an array of at least `minimumViews` (and at most `maximumViews`) tensors, all
 * of one shape `[N, d]` with N ≥ `minimumRows` and d ≥ 1. Returns the views.
 *
 * @throws {ContrastiveError} naming `component` and the view at fault.
 */
export function checkViews(
  component: string,
  batch: EmbeddingBatch,
  minimumViews: number,
  { maximumViews = Number.POSITIVE_INFINITY, minimumRows = 1 }: { maximumViews?: number; minimumRows?: number } = {},
): tf.Tensor2D[] {
  if (typeof batch !== "object" || batch === null) {
    throw new ContrastiveError({ component, argument: "batch", received: describeValue(batch), expected: "an EmbeddingBatch { views, labels?, negatives? }" });
  }
  const { views } = batch;
  if (!Array.isArray(views) || views.length < minimumViews || views.length > maximumViews) {
    const count = minimumViews === maximumViews ? `exactly ${minimumViews}` : `at least ${minimumViews}`;
    throw new ContrastiveError({
      component,
      argument: "views",
      received: Array.isArray(views) ? `${views.length} view${views.length === 1 ? "" : "s"}` : describeValue(views),
      expected: `an array of ${count} tensors [N, d], one per augmented view of the same N rows`,
    });
  }
  views.forEach((view, i) => {
    if (!isTensor(view) || view.rank !== 2) {
      throw new ContrastiveError({ component, argument: `views[${i}]`, received: describeValue(view), expected: "a rank-2 tensor [N, d]" });
    }
  });
  const first = views[0]!.shape;
  if (first[0] < minimumRows || first[1] < 1) {
    const why = minimumRows > 1 ? ` (${component} needs batch statistics or other rows to contrast with)` : "";
    throw new ContrastiveError({ component, argument: "views[0]", received: formatShape(first), expected: `[N, d] with N ≥ ${minimumRows} rows and d ≥ 1 columns${why}` });
  }
  views.forEach((view, i) => {
    if (view.shape[0] !== first[0] || view.shape[1] !== first[1]) {
      throw new ContrastiveError({ component, argument: `views[${i}]`, received: formatShape(view.shape), expected: `[N, d] like views[0] = ${formatShape(first)}` });
    }
  });
  return views;
}

/**
 * Checks `labels` when given: a rank-1 tensor with one class id per row, `[N]`.
 *
 * @throws {ContrastiveError} naming `component` and `labels`.
 */
export function checkLabels(component: string, labels: unknown, rows: number): tf.Tensor1D | undefined {
  if (labels === undefined) return undefined;
  if (!isTensor(labels) || labels.rank !== 1 || labels.shape[0] !== rows) {
    throw new ContrastiveError({ component, argument: "labels", received: describeValue(labels), expected: `a tensor of shape [N] = [${rows}], one class id per row of the views` });
  }
  if (labels.dtype !== "int32") {
    // class ids must be integers: a float label such as 0.5 would silently form a class of its own
    const values = labels.dtype === "float32" ? (labels.dataSync() as Float32Array) : undefined;
    const bad = values ? values.findIndex((v) => !Number.isInteger(v)) : 0;
    if (bad >= 0) {
      throw new ContrastiveError({ component, argument: "labels", received: values ? `labels[${bad}] = ${values[bad]} (not an integer)` : `a ${labels.dtype} tensor`, expected: "integer class ids, e.g. tf.tensor1d(ids, 'int32')" });
    }
  }
  return labels as tf.Tensor1D;
}

/**
 * Checks `negatives` when given: a rank-2 tensor `[K, d]` with K ≥ 1 and the views' d columns.
 *
 * @throws {ContrastiveError} naming `component` and `negatives`.
 */
export function checkNegatives(component: string, negatives: unknown, columns: number): tf.Tensor2D | undefined {
  if (negatives === undefined) return undefined;
  if (!isTensor(negatives) || negatives.rank !== 2 || negatives.shape[0] < 1 || negatives.shape[1] !== columns) {
    throw new ContrastiveError({
      component,
      argument: "negatives",
      received: describeValue(negatives),
      expected: `a tensor [K, d] = [K, ${columns}] with K ≥ 1 rows, the d of the views (a memory bank or queue)`,
    });
  }
  return negatives as tf.Tensor2D;
}

/**
 * Throws when `batch[field]` is given to a loss that does not use it (ignoring it silently would hide a
 * mistake). `hint` says what to do instead.
 *
 * @throws {ContrastiveError} naming `component` and the field.
 */
export function rejectUnused(component: string, batch: EmbeddingBatch, field: "labels" | "negatives", hint: string): void {
  if (batch[field] === undefined) return;
  throw new ContrastiveError({ component, argument: field, received: describeValue(batch[field]), expected: `absent: ${hint}` });
}

/**
 * Reads a loss value back once and returns it when finite; otherwise disposes it and throws the error
 * that names the non-finite input (see {@link throwNonFiniteInput}). On the webgpu backend it reads
 * nothing and returns the value: a synchronous read there stalls the GPU queue and, in Chromium with
 * tfjs 4.22, can return zeros and lose the device; the caller's asynchronous read (e.g. the trainer's)
 * is the check there.
 *
 * @throws {NonFiniteError} when the value is NaN or ±Infinity.
 */
export function ensureFiniteLoss(component: string, value: tf.Scalar, views: readonly tf.Tensor2D[], negatives?: tf.Tensor2D): tf.Scalar {
  if (tf.getBackend() === "webgpu" || Number.isFinite(value.dataSync()[0])) return value;
  value.dispose();
  throwNonFiniteInput(component, views, negatives === undefined ? {} : { negatives });
}

/**
 * Called once a loss came out NaN or infinite: finds the first view with a non-finite entry and throws
 * an error that names it. Reads the views back, so call it only on that (rare) path.
 *
 * `others` are further inputs to check after the views, by name (e.g. `{ negatives }`).
 *
 * @throws {NonFiniteError} always: naming the input at fault, or the loss when every input is finite.
 */
export function throwNonFiniteInput(component: string, views: readonly tf.Tensor2D[], others: Record<string, tf.Tensor2D> = {}): never {
  const named: [string, tf.Tensor2D][] = [...views.map((view, i): [string, tf.Tensor2D] => [`views[${i}]`, view]), ...Object.entries(others)];
  for (const [argument, view] of named) {
    const values = Array.from(view.dataSync() as ArrayLike<number>);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad < 0) continue;
    const count = values.reduce((total, value) => total + (Number.isFinite(value) ? 0 : 1), 0);
    const columns = view.shape[1];
    throw new NonFiniteError({
      component,
      argument,
      received: `${count} non-finite value${count === 1 ? "" : "s"} in a tensor of shape ${formatShape(view.shape)}, the first (${values[bad]}) at row ${Math.floor(bad / columns)}, column ${bad % columns}`,
      expected: "finite embeddings: check the encoder's output (a learning rate too high makes weights diverge)",
    });
  }
  throw new NonFiniteError({ component, argument: "loss", received: "a non-finite value from finite views", expected: "finite; please report this input as a bug" });
}
