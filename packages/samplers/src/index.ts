export { instanceSampler } from "./instance-sampler.js";
export type { InstanceSamplerOptions } from "./instance-sampler.js";
