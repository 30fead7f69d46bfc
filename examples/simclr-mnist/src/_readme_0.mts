import * as tf from "@tensorflow/tfjs-core";
import { multiView, simclrMnistAugment } from "@contrastive/augment";
import { convNet } from "@contrastive/backbones";
import { selectBackend } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data";
import { projectionHead } from "@contrastive/heads";
import { ntXent } from "@contrastive/losses";
import { instanceSampler } from "@contrastive/samplers";
import { createTrainer, progressLogger } from "@contrastive/trainer";

await selectBackend("auto");
const data = mnistDigits({ subset: "train" });
const backbone = convNet({ inputShape: [28, 28, 1] });                    // e: image → v ∈ R^128
const head = projectionHead({ inputDim: 128, hiddenDims: [128], outputDim: 64 }); // h: v → z
const trainer = createTrainer({
  backbone, head,
  loss: ntXent({ temperature: 0.5 }),                                      // or your own { name, compute }
  augment: multiView(2, simclrMnistAugment()),                             // two views per image
  optimizer: tf.train.adam(1e-3),
  callbacks: [progressLogger()],
});
await trainer.fit({ data, sampler: instanceSampler({ size: data.size, batchSize: 256 }), epochs: 2 });
