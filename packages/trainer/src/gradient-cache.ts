import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { addGradients, assembleViews, chunksOfRows, gatherChunk, lossAndEmbeddingGradients } from "./embedding-gradients.js";

/** What {@link cachedGradients} needs: the online views, how to embed them, and the loss of the embeddings. */
export interface CachedGradientsInput {
  /** The V online views, each `[N, H, W, C]`; row i of every view is the same instance. */
  views: tf.Tensor4D[];
  /** Backbone then head in training mode: images `[n, H, W, C]` → embeddings `[n, d]`. */
  embed: (images: tf.Tensor4D) => tf.Tensor2D;
  /**
   * The first, untaped pass, when the loss also needs row-aligned tensors that carry no gradient (the
   * online projections under a predictor, a target branch's targets): the embeddings as `embed` gives
   * them, plus those constants `[n, d_j]`. They are assembled per view and handed to `lossOf`.
   */
  embedWithConstants?: (images: tf.Tensor4D) => { output: tf.Tensor2D; constants: tf.Tensor2D[] };
  /**
   * The loss of the V per-view embeddings `[N, d]` (keys, bank negatives and labels closed over);
   * `constants[j]` holds the V per-view tensors of the j-th constant of `embedWithConstants`.
   */
  lossOf: (perView: tf.Tensor2D[], constants: tf.Tensor2D[][]) => tf.Scalar;
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
 * The three steps are those of data parallelism over workers (`embedding-gradients.ts` holds the shared
 * part: loss, gradient with respect to the embeddings, per-chunk back-propagation summed):
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
  const chunks = chunksOfRows(views.length, (views[0] as tf.Tensor4D).shape[0], chunkSize);
  const owned: tf.Tensor[] = [];
  const saved: tf.Tensor[] = [];
  try {
    // 1. embeddings only, chunk by chunk (batch-norm statistics move here, once per chunk)
    const first = chunks.map((chunk) => tf.tidy(() => (input.embedWithConstants ? input.embedWithConstants(gatherChunk(views, chunk)) : { output: embed(gatherChunk(views, chunk)), constants: [] })));
    const pieces = first.map((f) => f.output);
    owned.push(...first.flatMap((f) => [f.output, ...f.constants]));
    const constants = (first[0]?.constants ?? []).map((_, j) => assembleViews(first.map((f) => f.constants[j] as tf.Tensor2D), chunks, views.length));
    owned.push(...constants.flat());
    saved.push(...state.map((v) => tf.keep(tf.clone(v))));
    // 2. the loss over the whole batch, and its gradient with respect to each chunk's embeddings
    const { value, perView, upstream } = lossAndEmbeddingGradients(pieces, chunks, views.length, (z) => lossOf(z, constants));
    owned.push(...upstream);
    // 3. each chunk again, with its graph, back-propagating its part of that gradient
    let grads: tf.NamedTensorMap | undefined;
    chunks.forEach((chunk, k) => {
      const pass = tf.variableGrads(() => tf.sum(tf.mul(embed(gatherChunk(views, chunk)), upstream[k] as tf.Tensor2D)) as tf.Scalar, variables);
      pass.value.dispose();
      grads = addGradients(grads, pass.grads);
    });
    state.forEach((v, i) => v.assign(saved[i] as tf.Tensor)); // the second pass must not move the statistics again
    return { value, grads: grads ?? {}, perView };
  } finally {
    tf.dispose(owned);
    tf.dispose(saved);
  }
}
