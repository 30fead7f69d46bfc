import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-methods", include: ["src/**/*.test.ts"], testTimeout: 300_000, passWithNoTests: true },
});
