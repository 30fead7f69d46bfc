export { convNet, layersBackbone } from "./conv-net.js";
export type { ConvNetOptions } from "./conv-net.js";
export { pytorchLinearInitializers } from "./initializers.js";
