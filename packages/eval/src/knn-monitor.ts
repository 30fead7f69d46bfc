import type * as tf from "@tensorflow/tfjs-core";
import { type Backbone, type Callback, ContrastiveError, type DataSource, type EpochInfo, assertInteger, assertPositive, describeValue } from "@contrastive/core";
import { evaluateKnn } from "./evaluate-knn.js";

/** One evaluation of {@link knnMonitor}. */
export interface KnnMonitorEntry {
  /** The epoch that had just ended (0-based, as the trainer counts). */
  epoch: number;
  /** Weighted-kNN top-1 accuracy on the test source. */
  accuracy: number;
  /** Accuracy per class of the test source (NaN for a class without test rows). */
  perClassAccuracy: Float64Array;
  /** Seconds the evaluation took. */
  seconds: number;
}

/** Options of {@link knnMonitor}. */
export interface KnnMonitorOptions {
  /** The encoder being trained: features are `backbone.apply(x, { training: false })`. Give this or `encode`. */
  backbone?: Backbone;
  /** Maps a batch of examples to features `[n, d]`, instead of `backbone`. */
  encode?: (examples: tf.Tensor) => tf.Tensor2D;
  /** Labelled examples whose features vote (the memory bank of the monitor). */
  train: DataSource;
  /** Labelled examples to classify. */
  test: DataSource;
  /** Evaluate every this many epochs (and after the last); default 1. */
  every?: number;
  /** Neighbours; default 20. */
  k?: number;
  /** τ of the vote weight; default 0.1. */
  temperature?: number;
  /** Examples per forward pass; default 500. */
  batchSize?: number;
  /** Called with each entry (e.g. to write it to a metrics file). */
  onResult?: (entry: KnnMonitorEntry) => void | Promise<void>;
  /** Where the one-line summaries go; default `console.error` (standard error in Node); `false` for silence. */
  log?: ((line: string) => void) | false;
}

/** The callback returned by {@link knnMonitor}, with what it measured so far. */
export interface KnnMonitor extends Callback {
  /** One entry per evaluation, in order. */
  readonly history: KnnMonitorEntry[];
}

const component = "knnMonitor";

/**
 * A trainer callback that measures weighted-kNN accuracy of the backbone's features at the end of
 * every epoch (or every `every` epochs and after the last): the monitor of self-supervised training
 * in InstDisc (Wu et al. 2018) and the SimCLR / MoCo code bases, here {@link evaluateKnn} on the
 * given train and test sources, with the backbone in inference mode (batch norm uses its running
 * statistics and does not update them). Results go to `history`, `onResult` and one log line each.
 * Leaves no tensors behind.
 *
 * @throws {ContrastiveError} when neither `backbone` nor `encode` is given, a source has no labels, or
 *   `every`, `k`, `temperature` or `batchSize` is invalid (checked here, before training starts).
 * @example
 * const monitor = knnMonitor({ backbone, train: trainSet, test: testSet, every: 1 });
 * const trainer = createTrainer({ backbone, head, loss, optimizer, augment, callbacks: [monitor] });
 * await trainer.fit({ data, sampler, epochs: 10 });
 * console.log(monitor.history.map((entry) => entry.accuracy));
 */
export function knnMonitor(options: KnnMonitorOptions): KnnMonitor {
  const { backbone, train, test, every = 1, k = 20, temperature = 0.1, batchSize = 500, onResult } = options;
  const log = options.log === undefined ? (line: string) => console.error(line) : options.log;
  if (options.encode !== undefined && typeof options.encode !== "function") {
    throw new ContrastiveError({ component, argument: "encode", received: describeValue(options.encode), expected: "a function from a batch tensor to features [n, d]" });
  }
  if (options.encode === undefined && typeof backbone?.apply !== "function") {
    throw new ContrastiveError({ component, argument: "backbone", received: describeValue(backbone), expected: "a Backbone (or pass encode: (x) => features)" });
  }
  const encode = options.encode ?? ((x: tf.Tensor) => (backbone as Backbone).apply(x, { training: false }));
  for (const [argument, source] of [["train", train], ["test", test]] as const) {
    if (!source?.labels) {
      throw new ContrastiveError({ component, argument, received: source ? `data source '${source.name}' without labels` : describeValue(source), expected: "a data source with labels" });
    }
  }
  assertInteger(component, "every", every);
  assertInteger(component, "k", k);
  if (k > train.size) throw new ContrastiveError({ component, argument: "k", received: String(k), expected: `at most the ${train.size} examples of train` });
  assertPositive(component, "temperature", temperature, "0.1");
  assertInteger(component, "batchSize", batchSize);

  const history: KnnMonitorEntry[] = [];
  let totalEpochs = Infinity;
  return {
    history,
    onTrainBegin({ epochs }) {
      totalEpochs = epochs;
    },
    async onEpochEnd({ epoch }: EpochInfo) {
      if ((epoch + 1) % every !== 0 && epoch + 1 !== totalEpochs) return;
      const started = performance.now();
      const result = await evaluateKnn({ encode, train, test, k, temperature, batchSize });
      const entry = { epoch, accuracy: result.accuracy, perClassAccuracy: result.perClassAccuracy, seconds: (performance.now() - started) / 1000 };
      history.push(entry);
      if (log) log(`epoch ${epoch + 1}${Number.isFinite(totalEpochs) ? `/${totalEpochs}` : ""}: kNN accuracy ${(100 * entry.accuracy).toFixed(2)}% (k ${k}, τ ${temperature}, ${test.size} test examples, ${entry.seconds.toFixed(1)} s)`);
      await onResult?.(entry);
    },
  };
}
