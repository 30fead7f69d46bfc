import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", node: "src/node.ts", image: "src/image.ts", mnist: "src/mnist.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  external: [/^@tensorflow\//, /^@contrastive\//, "sharp", "mnist"],
});
