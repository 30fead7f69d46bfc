/*
 * @contrastive/core/node: what touches the file system (Node only). The main entry stays
 * environment-neutral so that bundlers can take it for the browser.
 */
export { fileSystemHandler, MODEL_JSON, WEIGHTS_BIN } from "./file-system-handler.js";
export { saveBankState, restoreBankState } from "./bank-file.js";
