import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", image: "src/image/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  external: [/^@tensorflow\//, /^@contrastive\//, "sharp", "mnist"],
});
