import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/node.ts", "src/gradient-worker.ts"],
  shims: true,
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  external: [/^@tensorflow\//, /^@contrastive\//, "sharp", "mnist"],
});
