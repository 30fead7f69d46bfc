import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/cli.ts", "src/index.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  clean: true,
  external: [/^@tensorflow\//, /^@contrastive\//, "sharp", "mnist", "cli-progress", "tsx"],
});
