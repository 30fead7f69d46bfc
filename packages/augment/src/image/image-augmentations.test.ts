import { ContrastiveError, createRng } from "@contrastive/core";
import { describe, expect, it } from "vitest";
import { colorJitterRanges, drawColorJitter } from "../color-jitter-parameters.js";
import { drawCropBox } from "../sample-crop-box.js";
import { byolAugment } from "./byol-augment.js";
import { colorJitter } from "./color-jitter.js";
import { compose } from "./compose.js";
import { gaussianBlur } from "./gaussian-blur.js";
import { grayscale } from "./grayscale.js";
import { horizontalFlip } from "./horizontal-flip.js";
import { startPlan, type ImagePlan, type PlanStep } from "./image-plan.js";
import { multiView } from "./multi-view.js";
import { normalize } from "./normalize.js";
import { randomApply } from "./random-apply.js";
import { randomResizedCrop } from "./random-resized-crop.js";
import { rotation } from "./rotation.js";
import { simclrBlurKernelSize } from "../preset-options.js";
import { simclrAugment } from "./simclr-augment.js";
import { solarize } from "./solarize.js";

const photo = startPlan({ height: 256, width: 320, channels: 3 });
const kinds = (plan: ImagePlan) => plan.steps.map((s) => (s.kind === "color" ? s.program.map((o) => o.code).join("+") : s.kind));

describe("image augmentations (plans)", () => {
  it("randomResizedCrop draws torchvision's box from the image's size and sets the view's size", () => {
    const plan = randomResizedCrop({ size: [224, 200] }).apply(photo, createRng(3));
    expect([plan.height, plan.width]).toEqual([224, 200]);
    const box = drawCropBox(createRng(3), 256, 320, [0.08, 1], [3 / 4, 4 / 3]);
    expect(plan.steps).toEqual([{ kind: "crop", box, height: 224, width: 200 }]);
    expect(photo.steps).toEqual([]); // the input plan is not changed
  });

  it("colorJitter draws the order then the factors as ColorJitter.get_params, and leaves out strength-0 operations", () => {
    const options = { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 };
    const plan = colorJitter(options).apply(photo, createRng(9));
    const draw = drawColorJitter(createRng(9), colorJitterRanges("test", options));
    const names = ["brightness", "contrast", "saturation", "hue"] as const;
    const program = (plan.steps[0] as Extract<PlanStep, { kind: "color" }>).program;
    expect(program).toEqual(Array.from(draw.order, (i) => ({ code: names[i], factor: draw[names[i]!] })));
    expect(draw.brightness).toBeGreaterThanOrEqual(0.2);
    expect(draw.hue).toBeLessThanOrEqual(0.2);
    const onlyHue = colorJitter({ hue: 0.1 }).apply(photo, createRng(1));
    expect(kinds(onlyHue)).toEqual(["hue"]);
    expect(colorJitter().apply(photo, createRng(1))).toBe(photo);
  });

  it("horizontalFlip, randomApply flip with their probability, drawing one number", () => {
    let flips = 0, greys = 0;
    for (let seed = 0; seed < 2000; seed++) {
      flips += horizontalFlip().apply(photo, createRng(seed)).steps.length;
      greys += randomApply(0.2, grayscale()).apply(photo, createRng(seed)).steps.length;
    }
    expect(Math.abs(flips / 2000 - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(greys / 2000 - 0.2)).toBeLessThan(0.03);
    expect(horizontalFlip({ probability: 1 }).apply(photo, createRng(0)).steps).toEqual([{ kind: "flip" }]);
  });

  it("compose chains in order; blur, rotation, solarize, normalize append their drawn steps", () => {
    const rng = createRng(4);
    const plan = compose([
      gaussianBlur({ kernelSize: 23 }), rotation({ degrees: [10, 20] }), solarize({ threshold: 0.7 }),
      normalize({ mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] }),
    ]).apply(photo, rng);
    expect(kinds(plan)).toEqual(["blur", "rotate", "solarize", "normalize"]);
    const [blur, turn] = plan.steps as [Extract<PlanStep, { kind: "blur" }>, Extract<PlanStep, { kind: "rotate" }>];
    expect(blur.sigma).toBeGreaterThanOrEqual(0.1);
    expect(blur.sigma).toBeLessThan(2);
    expect(turn.degrees).toBeGreaterThanOrEqual(10);
    expect(turn.degrees).toBeLessThan(20);
  });

  it("simclrAugment is SimCLR's recipe, repeatable, with blur for large sizes only", () => {
    const recipe = simclrAugment({ size: [224, 224] });
    const plans = Array.from({ length: 400 }, (_, seed) => recipe.apply(photo, createRng(seed)));
    expect(recipe.apply(photo, createRng(7))).toEqual(plans[7]);
    const share = (kind: string) => plans.filter((p) => kinds(p).some((k) => k.includes(kind))).length / plans.length;
    expect(plans.every((p) => kinds(p)[0] === "crop" && p.height === 224)).toBe(true);
    expect(Math.abs(share("flip") - 0.5)).toBeLessThan(0.08);
    expect(Math.abs(share("hue") - 0.8)).toBeLessThan(0.07);
    expect(Math.abs(share("grayscale") - 0.2)).toBeLessThan(0.06);
    expect(Math.abs(share("blur") - 0.5)).toBeLessThan(0.08);
    const blur = plans.flatMap((p) => p.steps).find((s) => s.kind === "blur") as Extract<PlanStep, { kind: "blur" }>;
    expect(blur.kernelSize).toBe(23);
    expect(simclrBlurKernelSize([32, 32])).toBe(3);
    const small = simclrAugment({ size: [32, 32], strength: 0.5 });
    expect(Array.from({ length: 50 }, (_, s) => small.apply(photo, createRng(s))).some((p) => kinds(p).includes("blur"))).toBe(false);
  });

  it("byolAugment gives the asymmetric pair: blur always in view 1, solarize only in view 2", () => {
    const pairs = Array.from({ length: 300 }, (_, seed) => byolAugment({ size: [96, 96] }).apply(photo, createRng(seed)));
    expect(pairs.every((pair) => pair.length === 2 && kinds(pair[0]!).includes("blur"))).toBe(true);
    expect(pairs.some((pair) => kinds(pair[0]!).some((k) => k.includes("solarize")))).toBe(false);
    const solarized = pairs.filter((pair) => kinds(pair[1]!).some((k) => k.includes("solarize"))).length / pairs.length;
    const blurred = pairs.filter((pair) => kinds(pair[1]!).includes("blur")).length / pairs.length;
    expect(Math.abs(solarized - 0.2)).toBeLessThan(0.07);
    expect(Math.abs(blurred - 0.1)).toBeLessThan(0.06);
  });

  it("multiView draws view k from its own fork: new views per call, same views per seed", () => {
    const two = multiView(2, simclrAugment({ size: [64, 64] }));
    const a = two.apply(photo, createRng(5));
    expect(two.apply(photo, createRng(5))).toEqual(a);
    expect(a[0]).not.toEqual(a[1]);
    const rng = createRng(5);
    expect(two.apply(photo, rng)).toEqual(a);
    expect(two.apply(photo, rng)).not.toEqual(a);
  });

  it("rejects bad options and inputs with ContrastiveErrors naming the argument", () => {
    const argumentOf = (call: () => unknown) => {
      try { call(); } catch (error) { if (ContrastiveError.isInstance(error)) return error.argument; throw error; }
      return "no error";
    };
    expect(argumentOf(() => randomResizedCrop({ size: [0, 3] as never }))).toBe("size");
    expect(argumentOf(() => colorJitter({ hue: 0.7 }))).toBe("hue");
    expect(argumentOf(() => colorJitter({ brightness: -1 }))).toBe("brightness");
    expect(argumentOf(() => gaussianBlur({ kernelSize: 22 }))).toBe("kernelSize");
    expect(argumentOf(() => rotation({ degrees: Number.NaN }))).toBe("degrees");
    expect(argumentOf(() => normalize({ mean: [0.5], std: [0] }))).toBe("std");
    expect(argumentOf(() => normalize({ mean: [0.5], std: [0.2] }).apply(photo, createRng(0)))).toBe("mean");
    expect(argumentOf(() => simclrAugment({ size: [224, 224], strength: 2 }))).toBe("strength");
    expect(argumentOf(() => horizontalFlip().apply({} as never, createRng(0)))).toBe("plan");
    expect(argumentOf(() => compose([]))).toBe("augmentations");
    expect(argumentOf(() => multiView(0, grayscale()))).toBe("count");
  });
});
