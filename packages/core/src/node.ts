export { readSafetensorsFile, writeSafetensorsFile } from "./safetensors-file.js";
