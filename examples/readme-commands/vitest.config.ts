import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "readme-commands", include: ["src/**/*.test.ts"], testTimeout: 240_000 },
});
