/*
 * @contrastive/core/node: what touches the file system (Node only). The main entry stays
 * environment-neutral so that bundlers can take it for the browser.
 */
export { fileSystemHandler, MODEL_JSON, WEIGHTS_BIN } from "./file-system-handler.js";
export type { FileSystemHandlerOptions } from "./file-system-handler.js";
export { saveBankState, restoreBankState, readBankState } from "./bank-file.js";
export { fileSystemFault, withFileSystemFaults } from "./fs-fault.js";
export { confinePath } from "./confine-path.js";
export type { ConfineOptions } from "./confine-path.js";
export { writeFileDurably } from "./durable-write.js";
export { sha256Hex } from "./checksum.js";
export { readSafetensorsFile, writeSafetensorsFile } from "./safetensors-file.js";
