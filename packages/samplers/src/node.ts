/* @contrastive/samplers/node: saving and restoring a bank's contents to a file (Node only). */
export { saveBankState, restoreBankState } from "@contrastive/core/node";
