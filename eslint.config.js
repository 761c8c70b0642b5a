import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "app/generated/", ".cache/", ".data/", "test/artifacts/", "public/build/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // The layers (README, Architecture): what each part of app/ may import. test/architecture/
  // proves each rule fires.
  {
    files: ["app/segmentation/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "\\.server$|(^|/)generated(/|$)|^@prisma/",
              message:
                "app/segmentation/ is the pure engine: no database, Prisma client or server-only (*.server) module. app/compute/ passes it the data.",
            },
            {
              regex: "^@shopify/|^(~/|(\\.\\./)+)shopify(/|\\.|$)",
              message: "app/segmentation/ is the pure engine: no Shopify imports.",
            },
            {
              regex: "^(bullmq|pg|ioredis)(/|$)|^@remix-run/",
              message: "app/segmentation/ is the pure engine: no BullMQ, Redis, PostgreSQL driver or Remix imports.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["app/{sync,push,compute,admin}/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(~/|(\\.\\./)+)jobs(/|$)",
              message: "app/jobs/ only runs jobs (the worker starts it); queue work through ~/enqueue.server instead.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["app/components/**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(~/|(\\.\\./)+)admin(/|$)",
              allowTypeImports: true,
              message:
                "Components get the admin reads' data as props from the route: import their types only (import type).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
