// Node-only helpers of @contrastive/core (file system). The main entry stays environment-neutral.
export { fileSystemFault, withFileSystemFaults } from "./fs-fault.js";
export { confinePath } from "./confine-path.js";
export type { ConfineOptions } from "./confine-path.js";
export { writeFileDurably } from "./durable-write.js";
export { sha256Hex } from "./checksum.js";
export { readBankState } from "./bank-file.js";
export type { FileSystemHandlerOptions } from "./file-system-handler.js";
