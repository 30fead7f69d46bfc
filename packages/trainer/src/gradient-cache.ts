import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";

/** What {@link cachedGradients} needs: the online views, how to embed them, and the loss of the embeddings. */
export interface CachedGradientsInput {
  /** The V online views, each `[N, H, W, C]`; row i of every view is the same instance. */
  views: tf.Tensor4D[];
  /** Backbone then head in training mode: images `[n, H, W, C]` → embeddings `[n, d]`. */
  embed: (images: tf.Tensor4D) => tf.Tensor2D;
  /** The loss of the V per-view embeddings `[N, d]` (keys, bank negatives and labels closed over). */
  lossOf: (perView: tf.Tensor2D[]) => tf.Scalar;
  /** The variables to differentiate (the online backbone and head). */
  variables: tf.Variable[];
  /** Non-trainable variables a training-mode forward pass changes (batch-norm running statistics). */
  state: tf.Variable[];
  /** Images embedded at once; the V·N rows are cut into chunks of this size. */
  chunkSize: number;
}

/** The loss, the summed parameter gradients by variable name, and the per-view embeddings (constants). */
export interface CachedGradients {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
  perView: tf.Tensor2D[];
}

/**
 * Gradient caching (Gao, Zhang, Han & Callan 2021, "Scaling Deep Contrastive Learning Batch Size under
 * Memory Limited Setup"): the gradient of a contrastive loss over a large batch, with the activations
 * of only `chunkSize` images alive at a time.
 *
 * 1. Embed the V·N images chunk by chunk without a tape, keeping only the embeddings `[V·N, d]`.
 * 2. Take the loss and its gradient with respect to the embeddings (the loss sees the whole batch).
 * 3. For each chunk, embed it again under a tape and back-propagate ⟨embeddings, their gradient⟩:
 *    ∂L/∂θ = Σ_chunks (∂L/∂z_chunk)·(∂z_chunk/∂θ), summed over the chunks.
 *
 * The parameter gradients equal the full batch's (up to float32 rounding) for encoders whose rows do
 * not interact. Batch normalisation does couple rows: each chunk is normalised with its own statistics,
 * as under data parallelism without synchronised batch norm; the running statistics are updated once
 * per chunk (by the first pass; the second pass's updates are undone). With `chunkSize` ≥ V·N the result
 * is the plain step's. The forward pass must be deterministic (no dropout), since it runs twice.
 *
 * Returns tensors the caller disposes. The returned value and embeddings carry no gradient.
 *
 * @throws {ContrastiveError} when `chunkSize` is not an integer ≥ 1.
 */
export function cachedGradients(input: CachedGradientsInput): CachedGradients {
  const { views, embed, lossOf, variables, state, chunkSize } = input;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ContrastiveError({ component: "gradientCache", argument: "chunkSize", received: describeValue(chunkSize), expected: "an integer ≥ 1, e.g. 256 (images embedded at once)" });
  }
  const all = views.length === 1 ? (views[0] as tf.Tensor4D) : tf.concat(views, 0);
  const rows = all.shape[0];
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += chunkSize) ranges.push([start, Math.min(chunkSize, rows - start)]);
  const slice = (t: tf.Tensor, [start, size]: [number, number]) => (start === 0 && size === t.shape[0] ? t : tf.slice(t, start, size));
  const owned: tf.Tensor[] = all === views[0] ? [] : [all];
  const saved: tf.Tensor[] = [];
  try {
    // 1. embeddings only, chunk by chunk (batch-norm statistics move here, once per chunk)
    const pieces = ranges.map((range) => tf.tidy(() => embed(slice(all, range) as tf.Tensor4D)));
    owned.push(...pieces);
    saved.push(...state.map((v) => tf.keep(tf.clone(v))));
    const embeddings = pieces.length === 1 ? (pieces[0] as tf.Tensor2D) : (tf.concat(pieces, 0) as tf.Tensor2D);
    if (embeddings !== pieces[0]) owned.push(embeddings);
    const perView = views.length === 1 ? [embeddings] : (tf.split(embeddings, views.length, 0) as tf.Tensor2D[]);
    if (views.length > 1) owned.push(...perView);
    // 2. the loss over the whole batch, and its gradient with respect to the embeddings
    const { value, grads: embeddingGrads } = tf.valueAndGrads((...z: tf.Tensor[]) => lossOf(z as tf.Tensor2D[]))(perView);
    const upstream = embeddingGrads.length === 1 ? (embeddingGrads[0] as tf.Tensor) : tf.concat(embeddingGrads, 0);
    owned.push(...embeddingGrads);
    if (upstream !== embeddingGrads[0]) owned.push(upstream);
    // 3. each chunk again, with its graph, back-propagating its part of that gradient
    let grads: tf.NamedTensorMap = {};
    for (const range of ranges) {
      const chunk = tf.variableGrads(() => tf.sum(tf.mul(embed(slice(all, range) as tf.Tensor4D), slice(upstream, range))) as tf.Scalar, variables);
      chunk.value.dispose();
      const summed: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(chunk.grads)) {
        const previous = grads[name];
        summed[name] = previous ? tf.add(previous, g) : g;
        if (previous) tf.dispose([previous, g]);
      }
      grads = summed;
    }
    state.forEach((v, i) => v.assign(saved[i] as tf.Tensor)); // the second pass must not move the statistics again
    const keptViews = perView.map((v) => tf.clone(v));
    return { value, grads, perView: keptViews };
  } finally {
    tf.dispose(owned);
    tf.dispose(saved);
  }
}
