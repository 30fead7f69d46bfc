import { lazyOptional } from "@contrastive/core";
import type sharpFunction from "sharp";

/**
 * sharp (libvips), loaded on first use: an optional peer dependency, so that this package installs
 * and its other parts import without it. Absent, the first image read throws a
 * `MissingDependencyError` that names it and the install command.
 */
export const loadSharp: () => Promise<typeof sharpFunction> = lazyOptional(async () => (await import("sharp")).default, {
  packageName: "sharp",
  component: "@contrastive/data/image",
  purpose: "reading image files",
});
