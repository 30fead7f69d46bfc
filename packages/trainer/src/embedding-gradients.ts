import * as tf from "@tensorflow/tfjs-core";

/** Rows `[start, start + size)` of view `view` of a batch of V views. */
export interface RowSegment {
  view: number;
  start: number;
  size: number;
}

/** The rows one embedding pass takes, in the order it takes them: segments of the V views. */
export type EmbeddingChunk = readonly RowSegment[];

/**
 * The gradient cache's chunks: the V views laid end to end (V·N rows, view after view) and cut into
 * pieces of `chunkSize` rows; a piece that crosses a view boundary has two segments.
 */
export function chunksOfRows(views: number, rows: number, chunkSize: number): EmbeddingChunk[] {
  const chunks: RowSegment[][] = [];
  for (let first = 0; first < views * rows; first += chunkSize) {
    const chunk: RowSegment[] = [];
    for (let at = first; at < Math.min(first + chunkSize, views * rows); ) {
      const view = Math.floor(at / rows);
      const start = at - view * rows;
      const size = Math.min(rows - start, first + chunkSize - at);
      chunk.push({ view, start, size });
      at += size;
    }
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Data parallelism's shards: rows `[a_k, b_k)` of every view go to shard k (all V views of those rows),
 * the N rows split as evenly as possible over `shards` (the first N mod shards get one more); empty
 * shards (more shards than rows) are left out.
 */
export function shardsOfRows(views: number, rows: number, shards: number): EmbeddingChunk[] {
  const chunks: EmbeddingChunk[] = [];
  const base = Math.floor(rows / shards);
  for (let k = 0, start = 0; k < shards; k++) {
    const size = base + (k < rows % shards ? 1 : 0);
    if (size > 0) chunks.push(Array.from({ length: views }, (_, view) => ({ view, start, size })));
    start += size;
  }
  return chunks;
}

/** Rows of `chunk` taken from `perView` (V tensors with rows first), concatenated in the chunk's order. */
export function gatherChunk<T extends tf.Tensor>(perView: readonly T[], chunk: EmbeddingChunk): T {
  const parts = chunk.map(({ view, start, size }) => {
    const source = perView[view] as T;
    return start === 0 && size === source.shape[0] ? source : (tf.slice(source, start, size) as T);
  });
  return parts.length === 1 ? (parts[0] as T) : (tf.concat(parts, 0) as T);
}

/** What {@link lossAndEmbeddingGradients} returns; the caller disposes every tensor. */
export interface EmbeddingGradients {
  /** The loss over the whole batch (no gradient). */
  value: tf.Scalar;
  /** The V per-view embeddings `[N, d]`, assembled from the chunks in row order. */
  perView: tf.Tensor2D[];
  /** ∂L/∂z for each chunk, `[rows of the chunk, d]`, rows in the chunk's order. */
  upstream: tf.Tensor2D[];
}

/**
 * The step shared by the gradient cache and data parallelism: given the embeddings of each chunk (made
 * without a tape, here or in a worker), assemble the V per-view embeddings `[N, d]`, take the loss over
 * the whole batch and its gradient with respect to the embeddings, and cut that gradient back into the
 * chunks' row order. Back-propagating ⟨z_chunk, ∂L/∂z_chunk⟩ through each chunk's encoder pass and summing
 * ({@link addGradients}) then gives ∂L/∂θ. The pieces are not disposed.
 */
export function lossAndEmbeddingGradients(pieces: readonly tf.Tensor2D[], chunks: readonly EmbeddingChunk[], views: number, lossOf: (perView: tf.Tensor2D[]) => tf.Scalar): EmbeddingGradients {
  const perView = assembleViews(pieces, chunks, views);
  let result: { value: tf.Scalar; grads: tf.Tensor[] };
  try {
    result = tf.valueAndGrads((...z: tf.Tensor[]) => lossOf(z as tf.Tensor2D[]))(perView);
  } catch (error) {
    tf.dispose(perView);
    throw error;
  }
  const { value, grads } = result;
  const upstream = tf.tidy(() => chunks.map((chunk) => tf.clone(gatherChunk(grads as tf.Tensor2D[], chunk))));
  tf.dispose(grads);
  return { value, perView, upstream };
}

/**
 * The V per-view tensors `[N, d]` assembled in row order from per-chunk rows (the inverse of
 * {@link gatherChunk}). New tensors the caller disposes; the pieces are left alone.
 */
export function assembleViews(pieces: readonly tf.Tensor2D[], chunks: readonly EmbeddingChunk[], views: number): tf.Tensor2D[] {
  return tf.tidy(() => {
    const located = Array.from({ length: views }, () => [] as { start: number; rows: tf.Tensor2D }[]);
    chunks.forEach((chunk, k) => {
      let offset = 0;
      for (const { view, start, size } of chunk) {
        const piece = pieces[k] as tf.Tensor2D;
        located[view]!.push({ start, rows: offset === 0 && size === piece.shape[0] ? piece : tf.slice(piece, offset, size) });
        offset += size;
      }
    });
    return located.map((parts) => {
      parts.sort((a, b) => a.start - b.start);
      return (parts.length === 1 ? tf.clone(parts[0]!.rows) : tf.concat(parts.map((p) => p.rows), 0)) as tf.Tensor2D;
    });
  });
}

/** `total + next` by variable name (the sum over chunks or workers); disposes both inputs. */
export function addGradients(total: tf.NamedTensorMap | undefined, next: tf.NamedTensorMap): tf.NamedTensorMap {
  if (total === undefined) return next;
  const summed: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(next)) {
    const previous = total[name];
    summed[name] = previous ? tf.add(previous, g) : g;
    if (previous) tf.dispose([previous, g]);
  }
  return summed;
}
