import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import type { Backbone, Head, Loss } from "@contrastive/core";
import { projectionHead } from "@contrastive/heads";
import { barlowTwins, crossView, negativeCosine, supCon, vicReg } from "@contrastive/losses";
import { type TargetBranch, cosineMomentumSchedule, momentumEncoder, momentumTarget, sgd, stopGradientTarget } from "@contrastive/trainer";

/** What a method adds to the shared loop: components only. */
export interface Recipe {
  backbone: Backbone;
  head: Head;
  predictor?: Head;
  target?: TargetBranch;
  loss: Loss;
  optimizer: tf.Optimizer;
  /** Pass the digits' labels to the loss (supervised). */
  useLabels?: boolean;
  /** Everything to dispose afterwards. */
  owned: { dispose(): void }[];
}

const encoder = (seed: number) => {
  const backbone = convNet({ inputShape: [28, 28, 1], seed });
  return { backbone, head: projectionHead({ inputDim: backbone.outputDim, hiddenDims: [128], outputDim: 64, seed: seed + 1 }) };
};
const predictor = (seed: number) => projectionHead({ inputDim: 64, hiddenDims: [32], outputDim: 64, seed: seed + 2 });

/** SimSiam (Chen & He 2021): projector + predictor, the projections behind a stop-gradient, symmetric negative cosine. */
export function simsiam(seed: number): Recipe {
  const { backbone, head } = encoder(seed);
  const q = predictor(seed);
  const optimizer = sgd({ learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4 }); // SimSiam's optimizer
  return { backbone, head, predictor: q, target: stopGradientTarget(), loss: crossView(negativeCosine()), optimizer, owned: [backbone, head, q, optimizer] };
}

/** BYOL (Grill et al. 2020): predictor online, an EMA target of backbone + projector, m from 0.99 to 1 on a cosine schedule. */
export function byol(seed: number, totalSteps: number): Recipe {
  const online = encoder(seed);
  const copy = encoder(seed + 100);
  const q = predictor(seed);
  const optimizer = tf.train.adam(1e-3);
  const ema = momentumEncoder({ online, target: copy, momentum: cosineMomentumSchedule({ base: 0.99, totalSteps }), step: () => optimizer.iterations });
  return { ...online, predictor: q, target: momentumTarget(ema), loss: crossView(negativeCosine()), optimizer, owned: [online.backbone, online.head, copy.backbone, copy.head, q, optimizer] };
}

/** Barlow Twins (Zbontar et al. 2021): the cross-correlation of the two views' embeddings towards the identity. */
export function barlowTwinsRecipe(seed: number): Recipe {
  const { backbone, head } = encoder(seed);
  const optimizer = tf.train.adam(1e-3);
  return { backbone, head, loss: barlowTwins({ lambda: 1 / 64 }), optimizer, owned: [backbone, head, optimizer] };
}

/** VICReg (Bardes et al. 2022): invariance, variance and covariance terms. */
export function vicRegRecipe(seed: number): Recipe {
  const { backbone, head } = encoder(seed);
  const optimizer = tf.train.adam(1e-3);
  return { backbone, head, loss: vicReg(), optimizer, owned: [backbone, head, optimizer] };
}

/** SupCon (Khosla et al. 2020): views of the same class are positives too. */
export function supConRecipe(seed: number): Recipe {
  const { backbone, head } = encoder(seed);
  const optimizer = tf.train.adam(1e-3);
  return { backbone, head, loss: supCon({ temperature: 0.1 }), optimizer, useLabels: true, owned: [backbone, head, optimizer] };
}

/** The methods by the name the command line takes. */
export const recipes = {
  simsiam: (seed: number) => simsiam(seed),
  byol: (seed: number, totalSteps: number) => byol(seed, totalSteps),
  "barlow-twins": (seed: number) => barlowTwinsRecipe(seed),
  vicreg: (seed: number) => vicRegRecipe(seed),
  supcon: (seed: number) => supConRecipe(seed),
} satisfies Record<string, (seed: number, totalSteps: number) => Recipe>;
export type MethodName = keyof typeof recipes;
