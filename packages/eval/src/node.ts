export { writeEmbeddings } from "./write-embeddings.js";
export type { WriteEmbeddingsOptions } from "./write-embeddings.js";
