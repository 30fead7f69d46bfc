import * as tf from "@tensorflow/tfjs-core";

/** The parameters of multinomial logistic regression: logits = x · weights + bias. */
export interface SoftmaxRegressionParameters {
  /** `[d, C]`. */
  weights: tf.Tensor2D;
  /** `[C]`. */
  bias: tf.Tensor1D;
}

/**
 * The objective of a linear probe and its gradient in closed form (no autodiff, so tfjs-core with any
 * backend suffices): mean softmax cross-entropy plus (weightDecay / 2)·‖weights‖², the bias not
 * decayed. With P = softmax(x W + b) and Y one-hot, ∂/∂W = xᵀ(P − Y)/n + weightDecay·W and
 * ∂/∂b = Σ_rows (P − Y)/n — the gradient PyTorch's `weight_decay` adds to the cross-entropy's.
 * Internal to @contrastive/eval (tested against finite differences).
 *
 * Shapes: `features [n, d]`, `targets [n, C]` one-hot, parameters `[d, C]`, `[C]`. Returns new tensors.
 */
export function softmaxRegressionGradients(features: tf.Tensor2D, targets: tf.Tensor2D, parameters: SoftmaxRegressionParameters, weightDecay: number) {
  return tf.tidy(() => {
    const { weights, bias } = parameters;
    const n = features.shape[0];
    const logits = tf.add(tf.matMul(features, weights), bias);
    const logProbabilities = tf.logSoftmax(logits);
    const crossEntropy = tf.neg(tf.div(tf.sum(tf.mul(targets, logProbabilities)), n));
    const loss = tf.add(crossEntropy, tf.mul(weightDecay / 2, tf.sum(tf.square(weights)))) as tf.Scalar;
    const residual = tf.div(tf.sub(tf.exp(logProbabilities), targets), n);
    const weightsGradient = tf.add(tf.matMul(features, residual, true, false), tf.mul(weightDecay, weights)) as tf.Tensor2D;
    const biasGradient = tf.sum(residual, 0) as tf.Tensor1D;
    return { loss, weights: weightsGradient, bias: biasGradient };
  });
}

/** Adam's moment estimates for every parameter tensor. */
export interface AdamState {
  step: number;
  first: tf.Tensor[];
  second: tf.Tensor[];
}

/**
 * One Adam step (Kingma & Ba 2015) exactly as `torch.optim.Adam` (β 0.9, 0.999, ε 1e-8):
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε). Returns new parameters and state; the
 * caller disposes the old ones. Internal to @contrastive/eval.
 */
export function adamStep(parameters: tf.Tensor[], gradients: tf.Tensor[], state: AdamState, learningRate: number): { parameters: tf.Tensor[]; state: AdamState } {
  const beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  const step = state.step + 1;
  const correction1 = 1 - beta1 ** step, correction2 = Math.sqrt(1 - beta2 ** step);
  return tf.tidy(() => {
    const first = gradients.map((g, i) => tf.add(tf.mul(beta1, state.first[i]!), tf.mul(1 - beta1, g)));
    const second = gradients.map((g, i) => tf.add(tf.mul(beta2, state.second[i]!), tf.mul(1 - beta2, tf.square(g))));
    const updated = parameters.map((p, i) =>
      tf.sub(p, tf.div(tf.mul(learningRate / correction1, first[i]!), tf.add(tf.div(tf.sqrt(second[i]!), correction2), epsilon))),
    );
    return { parameters: updated, state: { step, first, second } };
  });
}
