import { writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import type { Backbone } from "@contrastive/core";
import { extractFeatures } from "@contrastive/eval";
import { type EvaluationSets, encoderFeatures } from "../evaluation.js";
import type { MetricsLine } from "../metrics-log.js";
import type { TrainSettings } from "../settings.js";
import { pca2d } from "./pca.js";
import { renderReport } from "./render-report.js";
import { thumbnails } from "./thumbnails.js";

/** What {@link writeReport} needs: the run's metrics, its encoder and evaluation sets. */
export interface ReportInput {
  path: string;
  title: string;
  settings: TrainSettings;
  metrics: MetricsLine[];
  backbone: Backbone;
  sets?: EvaluationSets;
  classNames: readonly string[];
  log?: (line: string) => void;
}

/** The query rows shown in the neighbour grid: the first query of each class, then more, up to `count`. */
function pickQueries(labels: Int32Array, count: number): number[] {
  const picked: number[] = [];
  const seen = new Set<number>();
  labels.forEach((label, i) => {
    if (!seen.has(label) && picked.length < count) (seen.add(label), picked.push(i));
  });
  for (let i = 0; picked.length < Math.min(count, labels.length); i++) if (!picked.includes(i)) picked.push(i);
  return picked;
}

/**
 * Writes the run's `report.html`: one self-contained page (inline SVG and PNG data URIs, no
 * network) with the loss and learning-rate curves, kNN accuracy per epoch beside the baselines, a
 * PCA map of the query embeddings coloured by class, and a grid of queries with their nearest
 * reference images (cosine similarity of the encoder's features).
 */
export async function writeReport(input: ReportInput): Promise<void> {
  const { sets, backbone } = input;
  let map: Parameters<typeof renderReport>[0]["map"];
  let neighbours: Parameters<typeof renderReport>[0]["neighbours"];
  if (sets) {
    const encode = encoderFeatures(backbone);
    const queryFeatures = await extractFeatures({ source: sets.queries, encode, batchSize: 256 });
    const referenceFeatures = await extractFeatures({ source: sets.reference, encode, batchSize: 256 });
    try {
      const [n, d] = queryFeatures.shape;
      const queryLabels = sets.queries.labels as Int32Array;
      const referenceLabels = sets.reference.labels as Int32Array;
      const { points, explained } = pca2d((await queryFeatures.data()) as Float32Array, n, d);
      map = { points, labels: queryLabels, explained };
      const queries = pickQueries(queryLabels, 8);
      const k = Math.min(6, sets.reference.size);
      const top = tf.tidy(() => {
        const q = tf.gather(queryFeatures, queries);
        const similarity = tf.matMul(tf.div(q, tf.norm(q, 2, 1, true)), tf.div(referenceFeatures, tf.norm(referenceFeatures, 2, 1, true)), false, true);
        return tf.topk(similarity, k);
      });
      const [indices, similarities] = [(await top.indices.data()) as Int32Array, await top.values.data()];
      tf.dispose([top.indices, top.values]);
      const queryImages = (await sets.queries.read(queries)) as tf.Tensor4D;
      const neighbourImages = (await sets.reference.read(Array.from(indices))) as tf.Tensor4D;
      const [queryThumbs, neighbourThumbs] = [await thumbnails(queryImages), await thumbnails(neighbourImages)];
      tf.dispose([queryImages, neighbourImages]);
      neighbours = queries.map((row, q) => ({
        image: queryThumbs[q] as string,
        label: queryLabels[row] as number,
        matches: Array.from({ length: k }, (_, j) => ({ image: neighbourThumbs[q * k + j] as string, label: referenceLabels[indices[q * k + j] as number] as number, similarity: similarities[q * k + j] as number })),
      }));
    } finally {
      tf.dispose([queryFeatures, referenceFeatures]);
    }
  }
  const html = renderReport({ title: input.title, settings: input.settings, metrics: input.metrics, classNames: input.classNames, ...(sets ? { evaluatedOn: sets.description } : {}), ...(map ? { map } : {}), ...(neighbours ? { neighbours } : {}) });
  writeFileSync(input.path, html);
}
