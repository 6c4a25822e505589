import { defineConfig } from "vitest/config";

/**
 * One config, five layers. `npm test` runs all of them; `vitest run --project unit` runs one.
 * Integration suites share one moto_server (started by the global setup) and run one file at a time,
 * because each suite resets moto before it starts.
 */
export default defineConfig({
  test: {
    reporters: process.env.CI ? ["default"] : ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/contract/**/*.test.ts"],
          setupFiles: ["test/support/awslambda-shim.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup-moto.ts"],
          setupFiles: ["test/support/awslambda-shim.ts", "test/support/moto-reset.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The adversarial suite: what an attacker holding only a completions key tries (docs/security.md).
          name: "security",
          include: ["test/security/**/*.test.ts"],
          setupFiles: ["test/support/awslambda-shim.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // `cdk bootstrap` + `cdk deploy` against a private moto_server (docs/deploy.md): ~1 min, one file.
          name: "deploy",
          include: ["test/deploy/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
