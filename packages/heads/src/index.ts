export { projectionHead } from "./projection-head.js";
export type { ProjectionHeadOptions, HeadActivation } from "./projection-head.js";
