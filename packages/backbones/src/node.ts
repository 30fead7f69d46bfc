/* @contrastive/backbones/node: saving and loading backbones as files (Node only). */
export { saveBackbone, loadBackbone } from "./save-backbone.js";
