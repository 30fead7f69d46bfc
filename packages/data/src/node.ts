// Node-only exports of @contrastive/data (file system, sharp). The main entry is being made environment-neutral.
export { DEFAULT_MAX_PIXELS } from "./raw-image.js";
export { mapWithConcurrency } from "./map-with-concurrency.js";
