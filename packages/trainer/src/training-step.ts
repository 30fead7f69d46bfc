import * as tf from "@tensorflow/tfjs-core";
import { type Backbone, ContrastiveError, type Head, type Loss, type NegativeBank, NonFiniteError, describeValue } from "@contrastive/core";
import { type EncoderWorkers, type StepWait, parallelGradients } from "./data-parallel.js";
import { cachedGradients } from "./gradient-cache.js";
import type { MomentumEncoder } from "./momentum-encoder.js";
import type { TargetBranch } from "./target-branch.js";

/** What one step uses: the trainer's components. */
export interface StepComponents {
  backbone: Backbone;
  head?: Head | undefined;
  loss: Loss;
  optimizer: tf.Optimizer;
  negatives?: NegativeBank | undefined;
  momentum?: MomentumEncoder | undefined;
  /** Online only, after the head (BYOL, SimSiam). */
  predictor?: Head | undefined;
  /** Targets without gradient for the online views, appended after them (BYOL, SimSiam). */
  target?: TargetBranch | undefined;
  /** Embed in chunks of this many images and cache the embeddings' gradient (see `cachedGradients`). */
  gradientCache?: { chunkSize: number } | undefined;
  /** Data-parallel workers holding copies of the encoder (asynchronous steps only). */
  workers?: EncoderWorkers | undefined;
  /** Tensors made so far by work running beside the step (the next batch's views, made while workers compute); not leaks. */
  concurrentTensors?: (() => number) | undefined;
  /** Count tensors around each step and name a loss that leaks (see `TrainerOptions.checkLeaks`). */
  checkLeaks: boolean;
  /** Set once the loss alone was probed for leaks (on the first step with `checkLeaks`). */
  lossProbed?: boolean;
  /** Largest |weight| accepted after an update; above it the run has diverged. */
  maxWeightMagnitude: number;
}

/** One step's inputs. */
export interface StepInput {
  /** The V augmented views `[N, H, W, C]` (not disposed here); with a momentum encoder the last is its input. */
  views: tf.Tensor4D[];
  labels?: Int32Array | undefined;
  indices?: Int32Array | undefined;
  /** Number of this step, named in errors. */
  step: number;
}

/**
 * Folds scalars two at a time. (Not `tf.addN` or `tf.stack` of many: with more inputs than a WebGPU
 * shader may bind, tfjs 4.22's webgpu kernels lose the device in Chromium.)
 */
function pairwise(scalars: tf.Tensor[], combine: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Scalar {
  return scalars.reduce((total, next) => combine(total, next)) as tf.Scalar;
}

/** 0, or NaN when any entry of `tensors` is NaN or infinite (x·0 is NaN only for those); joined to each tensor. */
function nanProbe(tensors: tf.Tensor[]): tf.Scalar {
  return pairwise(tensors.map((t) => tf.sum(tf.mul(t, 0))), tf.add);
}

/** Tensors alive, not counting variables (the optimizer creates its slots on its first update). */
const liveTensors = () => tf.memory().numTensors - Object.keys(tf.engine().registeredVariables).length;

/** What the optimizer updates: the online backbone, head and predictor. */
export function trainableVariables(c: Pick<StepComponents, "backbone" | "head" | "predictor">): tf.Variable[] {
  return [...c.backbone.trainableWeights, ...(c.head?.trainableWeights ?? []), ...(c.predictor?.trainableWeights ?? [])];
}

/** Variables a forward pass in training mode may change (batch-norm statistics), online and target. */
function stateVariables(c: StepComponents): tf.Variable[] {
  const parts = [c.backbone, c.head, c.predictor, c.momentum?.backbone, c.momentum?.head];
  const trainable = new Set(parts.flatMap((p) => p?.trainableWeights ?? []));
  return [...new Set([...parts.flatMap((p) => p?.weights ?? []), ...(c.target?.weights ?? [])])].filter((v) => !trainable.has(v));
}

/**
 * One optimisation step (see `Trainer.step`). Failure-atomic: when anything throws before the update
 * (the loss, a non-finite loss or gradient, a non-scalar loss), batch-norm statistics are put back,
 * the optimizer, bank and momentum encoder are not touched, and no tensor is left behind (a failure
 * inside the forward pass is caught there, so tfjs still frees the tensors it saved for backward).
 */
export function runStep(c: StepComponents, input: StepInput): number {
  const steps = stepStages(c, input);
  let stage = steps.next();
  while (!stage.done) {
    let values: ArrayLike<number>;
    try {
      if (!(stage.value instanceof tf.Tensor)) throw new ContrastiveError({ component: "trainer.step", argument: "workers", received: "a synchronous step", expected: "stepAsync() or fit() with workers (the step waits for them)" });
      values = stage.value.dataSync();
    } catch (error) {
      stage = steps.throw(error); // restores the state and frees the tensors, then rethrows
      continue;
    }
    stage = steps.next(values);
  }
  return stage.value;
}

/**
 * {@link runStep} with its two reads (the loss with a gradient check, then the largest weight) made
 * asynchronously, as `fit` does: on WebGPU a synchronous read stalls the device, and in some browsers fails.
 */
export async function runStepAsync(c: StepComponents, input: StepInput): Promise<number> {
  const steps = stepStages(c, input);
  let stage = steps.next();
  while (!stage.done) {
    let values: unknown;
    try {
      values = stage.value instanceof tf.Tensor ? await stage.value.data() : await stage.value.wait;
    } catch (error) {
      stage = steps.throw(error); // restores the state and frees the tensors, then rethrows
      continue;
    }
    stage = steps.next(values as ArrayLike<number>);
  }
  return stage.value;
}

/** The step, pausing at each read: it yields a tensor and resumes with its values. */
function* stepStages(c: StepComponents, input: StepInput): Generator<tf.Tensor | StepWait, number, ArrayLike<number>> {
  const { loss, negatives, momentum } = c;
  const variables = trainableVariables(c);
  const context = input.indices ? { indices: input.indices } : undefined;
  const before = liveTensors() - (c.concurrentTensors?.() ?? 0);
  const state = stateVariables(c);
  const saved = state.map((v) => tf.keep(tf.clone(v)));
  const owned: tf.Tensor[] = [];
  const track = <T extends tf.Tensor | undefined>(t: T): T => {
    if (t) owned.push(t);
    return t;
  };
  let shapes: number[][] = [];
  let negativeShape: number[] | undefined;
  let completed = false;
  try {
    const views = input.views;
    const online = momentum ? views.slice(0, -1) : views;
    if (online.length === 0) {
      throw new ContrastiveError({ component: "trainer.step", argument: "augment", received: `${views.length} view`, expected: "at least 2 views with a momentum encoder (the last one is its input)" });
    }
    const labels = track(input.labels ? tf.tensor1d(input.labels, "int32") : undefined);
    const keys = track(momentum ? momentum.embed(views.at(-1) as tf.Tensor4D) : undefined);
    const bankNegatives = track(negatives && context ? negatives.negatives(context) : undefined);
    const bankPositives = track(negatives?.positives && context ? negatives.positives(context) : undefined);
    negativeShape = bankNegatives?.shape;
    let firstView: tf.Tensor2D | undefined;
    let failure: unknown;
    const lossOf = (perView: tf.Tensor2D[], projections: tf.Tensor2D[], precomputedTargets?: tf.Tensor2D[]): tf.Scalar => {
      const targets = precomputedTargets ?? (c.target ? c.target.targets({ views: online, projections }) : []);
      const batchViews = [...perView, ...targets, ...(keys ? [keys] : []), ...(bankPositives ? [bankPositives] : [])];
      shapes = batchViews.map((v) => v.shape);
      const value = loss.compute({ views: batchViews, ...(labels ? { labels } : {}), ...(bankNegatives ? { negatives: bankNegatives } : {}) });
      if (!(value instanceof tf.Tensor) || value.rank !== 0) {
        throw new ContrastiveError({ component: "trainer.step", argument: `loss '${loss.name}'`, received: `compute() returning ${describeValue(value)}`, expected: "a loss whose compute() returns a scalar (rank-0) tensor, e.g. tf.mean of the per-row losses" });
      }
      if (negatives && !keys) firstView = tf.keep(tf.clone(perView[0] as tf.Tensor2D));
      return value;
    };
    const result = c.workers
      ? ((yield* parallelGradients(c.workers, c, online, (z) => lossOf(z, z), input.step)) as { value: tf.Scalar; grads: tf.NamedTensorMap })
      : c.gradientCache ? cached(c, online, variables, state, lossOf) : tf.variableGrads(() => {
      try {
        const all = online.length === 1 ? (online[0] as tf.Tensor4D) : tf.concat(online, 0);
        const features = c.backbone.apply(all, { training: true });
        const embeddings = c.head ? c.head.apply(features, { training: true }) : features;
        const outputs = c.predictor ? c.predictor.apply(embeddings, { training: true }) : embeddings;
        // (tfjs 4.22's split gradient fails for a single piece, so one view is not split)
        const split = (t: tf.Tensor2D) => (online.length === 1 ? [t] : (tf.split(t, online.length, 0) as tf.Tensor2D[]));
        const perView = split(outputs);
        return lossOf(perView, c.predictor ? split(embeddings) : perView);
      } catch (error) {
        failure = error;
        // a scalar joined to every variable, so that tfjs completes the backward pass and frees its tape
        return nanProbe(variables);
      }
    }, variables);
    owned.push(result.value, ...Object.values(result.grads));
    if (firstView) owned.push(firstView);
    if (failure !== undefined) throw failure;
    const grads = Object.values(result.grads);
    // one read: the loss, and NaN if any gradient is NaN or infinite (x·0 is NaN only for those)
    const check = tf.tidy(() => nanProbe(grads));
    owned.push(check);
    const value = (yield result.value)[0] as number;
    const gradientCheck = (yield check)[0] as number;
    if (!Number.isFinite(value) || !Number.isFinite(gradientCheck)) {
      const what = !Number.isFinite(value) ? `loss (${loss.name})` : `gradients of loss (${loss.name})`;
      throw new NonFiniteError({ component: "trainer.step", argument: `${what} at step ${input.step}`, received: Number.isFinite(value) ? "NaN or infinite gradients" : String(value), expected: "finite; the update was skipped and the weights, batch-norm statistics, optimizer, bank and momentum encoder are unchanged (lower the learning rate or check the inputs for NaN)" });
    }
    c.optimizer.applyGradients(result.grads);
    const magnitude = tf.tidy(() => tf.add(pairwise(variables.map((v) => tf.max(tf.abs(v))), tf.maximum), nanProbe(variables)));
    owned.push(magnitude);
    const largest = (yield magnitude)[0] as number;
    if (!(largest <= c.maxWeightMagnitude)) {
      throw new NonFiniteError({ component: "trainer.step", argument: `weights after the update of step ${input.step}`, received: `a weight of magnitude ${largest}`, expected: `at most ${c.maxWeightMagnitude} in magnitude: the run diverged (lower the learning rate, clip gradients, or resume from the last checkpoint)` });
    }
    momentum?.update();
    c.target?.update?.();
    if (negatives && context) negatives.update((keys ?? firstView) as tf.Tensor2D, context);
    completed = true;
    return value;
  } catch (error) {
    state.forEach((v, i) => v.assign(saved[i] as tf.Tensor));
    throw error;
  } finally {
    tf.dispose(owned);
    tf.dispose(saved);
    if (c.checkLeaks && completed) checkLeaks(c, before + (c.concurrentTensors?.() ?? 0), shapes, negativeShape, input);
  }
}

/**
 * Names what leaked when a step leaves more tensors than it found. On the first step the loss is also
 * called alone, outside any tidy, on random views of the batch's shapes: inside the trainer tfjs cleans
 * up after a loss, but the same loss would leak in a user's own loop or an evaluation.
 */
function checkLeaks(c: StepComponents, before: number, shapes: number[][], negativeShape: number[] | undefined, input: StepInput): void {
  const leaked = liveTensors() - before;
  let byLoss = 0;
  if (!c.lossProbed && shapes.length > 0) {
    c.lossProbed = true;
    const views = shapes.map((s) => tf.randomNormal(s as [number, number]) as tf.Tensor2D);
    const labels = input.labels ? tf.tensor1d(input.labels, "int32") : undefined;
    const negatives = negativeShape ? (tf.randomNormal(negativeShape as [number, number]) as tf.Tensor2D) : undefined;
    const inputs = [...views, ...(labels ? [labels] : []), ...(negatives ? [negatives] : [])];
    const start = tf.memory().numTensors;
    try {
      const value = c.loss.compute({ views, ...(labels ? { labels } : {}), ...(negatives ? { negatives } : {}) });
      byLoss = tf.memory().numTensors - start - 1;
      tf.dispose(value);
    } catch {
      // a probe on random inputs may be refused; the step itself passed
    }
    tf.dispose(inputs);
  }
  if (leaked <= 0 && byLoss <= 0) return;
  const culprit = byLoss > 0 ? `loss '${c.loss.name}'` : "the step (augment, backbone, head, bank or momentum encoder)";
  const received = byLoss > 0 ? `compute() leaving ${byLoss} tensors behind on its own (step ${input.step})` : `${leaked} more tensors after step ${input.step} than before`;
  throw new ContrastiveError({ component: "trainer.step", argument: culprit, received, expected: "free of leaked tensors: compute inside tf.tidy and return only the result (checked because checkLeaks is on; it is on by default under NODE_ENV=test or VITEST)" });
}

/**
 * The gradient-cache source of a step: chunked embeddings, the loss's gradient cached on them. Under a
 * predictor the first pass also keeps the online projections, and with a target branch each chunk's
 * targets (computed chunk by chunk, without a tape): both are constants of the loss, so the gradient
 * flows through the predictor's outputs alone, as in the plain step.
 */
function cached(c: StepComponents, online: tf.Tensor4D[], variables: tf.Variable[], state: tf.Variable[], lossOf: (perView: tf.Tensor2D[], projections: tf.Tensor2D[], targets?: tf.Tensor2D[]) => tf.Scalar) {
  const forward = (images: tf.Tensor4D) => {
    const features = c.backbone.apply(images, { training: true });
    const projections = c.head ? c.head.apply(features, { training: true }) : features;
    return { projections, output: c.predictor ? c.predictor.apply(projections, { training: true }) : projections };
  };
  const branched = c.predictor !== undefined || c.target !== undefined;
  const embedWithConstants = (images: tf.Tensor4D) => {
    const { projections, output } = forward(images);
    const targets = c.target ? c.target.targets({ views: [images], projections: [projections] }) : [];
    return { output, constants: [projections, ...targets] };
  };
  const { value, grads, perView } = cachedGradients({
    views: online,
    embed: (images) => forward(images).output,
    ...(branched ? { embedWithConstants } : {}),
    lossOf: (z, constants) => (branched ? lossOf(z, constants[0] as tf.Tensor2D[], c.target ? (constants[1] as tf.Tensor2D[]) : []) : lossOf(z, z)),
    variables,
    state,
    chunkSize: (c.gradientCache as { chunkSize: number }).chunkSize,
  });
  tf.dispose(perView);
  return { value, grads };
}
