import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-browser", include: ["src/**/*.test.ts"], testTimeout: 240_000, hookTimeout: 240_000 },
});
