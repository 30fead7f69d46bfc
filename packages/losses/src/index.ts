export { ntXent } from "./nt-xent.js";
export type { NtXentOptions } from "./nt-xent.js";
