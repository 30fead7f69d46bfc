import type * as tf from "@tensorflow/tfjs-core";
import { type Backbone, ContrastiveError, type Head, trainableFromLayersModel } from "@contrastive/core";

/** A variable as a worker's copy must have it: name (informative), shape, trainable or not. */
export interface VariableSpec {
  name: string;
  shape: number[];
  trainable: boolean;
}

/** The error for a worker's copy whose variables differ from the trainer's (count, shapes, trainable), or undefined. */
export function layoutMismatch(expected: VariableSpec[], layout: VariableSpec[], module: string | undefined): ContrastiveError | undefined {
  const first = expected.findIndex((v, i) => !layout[i] || layout[i]!.trainable !== v.trainable || layout[i]!.shape.join() !== v.shape.join());
  if (first < 0 && layout.length === expected.length) return undefined;
  const at = first >= 0 ? first : expected.length;
  const show = (v: VariableSpec | undefined) => (v ? `${v.name} [${v.shape.join(", ")}]${v.trainable ? "" : " (not trainable)"}` : "nothing");
  return new ContrastiveError({ component: "workerPool", argument: module ? `module ${module}` : "encoder", received: `a worker copy with ${layout.length} variables, variable ${at} being ${show(layout[at])}`, expected: `the trainer's ${expected.length} variables in order (backbone then head), variable ${at} being ${show(expected[at])}` });
}

/** A tf.layers model's topology (`model.toJSON(undefined, false)`) with what its wrapper needs. */
interface LayersDescription {
  topology: unknown;
  name: string;
  shape: readonly number[];
  outputDim: number;
  trainable: boolean;
}

/** How a worker gets its copy of the encoder: rebuilt from tf.layers topologies, or from the user's module. */
export type EncoderSource = { kind: "layers"; backbone: LayersDescription; head?: LayersDescription } | { kind: "module"; url: string };

interface LayersComponent {
  readonly name: string;
  readonly model?: { toJSON?: (unused?: unknown, returnString?: boolean) => unknown };
}

/** The layers description of a backbone or head, or undefined when it is not backed by a tf.layers model. */
function layersDescription(component: LayersComponent & { trainable?: boolean }, shape: readonly number[], outputDim: number): LayersDescription | undefined {
  const toJSON = component.model?.toJSON;
  if (typeof toJSON !== "function") return undefined;
  return { topology: toJSON.call(component.model, undefined, false), name: component.name, shape, outputDim, trainable: component.trainable ?? true };
}

/**
 * What the workers are sent to build their copy: the user's module when given, else the tf.layers
 * topologies of the backbone and head (`layersBackbone`, `convNet`, `resNet`, `projectionHead`, …).
 * @throws {ContrastiveError} for a component that is not a tf.layers model, without a module.
 */
export function describeEncoder(encoder: { backbone: Backbone; head?: Head | undefined }, module: string | undefined): EncoderSource {
  if (module !== undefined) return { kind: "module", url: module };
  const backbone = layersDescription(encoder.backbone as Backbone & LayersComponent, encoder.backbone.inputShape, encoder.backbone.outputDim);
  const head = encoder.head ? layersDescription(encoder.head as Head & LayersComponent, [encoder.head.inputDim], encoder.head.outputDim) : undefined;
  const missing = !backbone ? `backbone '${encoder.backbone.name}'` : encoder.head && !head ? `head '${encoder.head.name}'` : undefined;
  if (missing) {
    throw new ContrastiveError({
      component: "workerPool",
      argument: "module",
      received: `undefined, with ${missing}, which is not backed by a tf.layers model (no model.toJSON)`,
      expected: "workerPool({ count, module: new URL('./encoder.js', import.meta.url) }) with a module exporting createComponents() that returns { backbone, head } built the same way",
    });
  }
  return { kind: "layers", backbone: backbone as LayersDescription, ...(head ? { head } : {}) };
}

/** Imports a module by a name computed at run time (Node, in the worker). */
const importModule = (name: string): Promise<Record<string, unknown>> => import(/* webpackIgnore: true */ /* @vite-ignore */ name);

async function layersModule(): Promise<{ models: { modelFromJSON(json: unknown): Promise<unknown> } }> {
  try {
    return (await importModule("@tensorflow/tfjs-layers")) as never;
  } catch {
    return (await importModule("@tensorflow/tfjs")) as never;
  }
}

/** Builds the worker's copy of the encoder (in the worker). */
export async function rebuildEncoder(source: EncoderSource): Promise<{ backbone: Backbone; head?: Head | undefined }> {
  if (source.kind === "module") {
    const module = await importModule(source.url);
    if (typeof module.createComponents !== "function") {
      throw new ContrastiveError({ component: "workerPool", argument: `module ${source.url}`, received: `exports ${Object.keys(module).join(", ") || "nothing"}`, expected: "a module exporting createComponents(), returning { backbone, head? } (possibly as a promise)" });
    }
    return (await module.createComponents()) as { backbone: Backbone; head?: Head };
  }
  const layers = await layersModule();
  // the project's heads use a custom layer; register it when @contrastive/heads can be imported from here
  const heads = await importModule("@contrastive/heads").catch(() => undefined);
  if (typeof heads?.registerHeadLayers === "function") (heads.registerHeadLayers as () => void)();
  const build = async (d: LayersDescription) => {
    const model = (await layers.models.modelFromJSON({ modelTopology: d.topology }).catch((error: unknown) => {
      throw new ContrastiveError({ component: "workerPool", argument: `module (for '${d.name}')`, received: `undefined, and its tf.layers model could not be rebuilt in a worker: ${error instanceof Error ? error.message : String(error)}`, expected: "a module exporting createComponents() that builds it (and registers its custom layers with tf.serialization.registerClass): workerPool({ count, module })", cause: error });
    })) as Parameters<typeof trainableFromLayersModel>[0] & { trainable: boolean };
    if (!d.trainable) model.trainable = false;
    const trainable = trainableFromLayersModel(model);
    return {
      name: d.name,
      get trainableWeights() {
        return d.trainable ? trainable.trainableWeights : [];
      },
      get weights() {
        return trainable.weights;
      },
      apply: (x: tf.Tensor, options: { training?: boolean } = {}) => model.apply(x, { training: d.trainable && (options.training ?? false) }) as tf.Tensor2D,
      dispose: () => trainable.dispose(),
    };
  };
  const backbone = { ...(await build(source.backbone)), inputShape: source.backbone.shape, outputDim: source.backbone.outputDim } as unknown as Backbone;
  const head = source.head ? ({ ...(await build(source.head)), inputDim: source.head.shape[0], outputDim: source.head.outputDim } as unknown as Head) : undefined;
  return { backbone, head };
}
