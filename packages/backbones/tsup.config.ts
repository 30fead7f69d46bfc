import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/node.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  external: [/^@tensorflow\//, /^@contrastive\//, "sharp", "mnist"],
});
