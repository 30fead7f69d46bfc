/* @contrastive/heads/node: saving and loading heads as files (Node only). */
export { saveHead, loadHead } from "./save-head.js";
