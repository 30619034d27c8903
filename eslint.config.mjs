import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "src/generated/**",
      "node_modules/**",
      ".logolab/**",
      "web-client/dist/**",
      "coverage/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through src/config.ts." },
      ],
    },
  },
  {
    files: [
      "src/config.ts",
      "test/**",
      "bench/**",
      "**/*.test.ts",
      "bin/**",
      "scripts/**",
      "prisma.config.ts",
      "prisma6.config.ts",
      "web-client/vite.config.ts",
      "*.js",
      "*.mjs",
    ],
    rules: { "no-restricted-properties": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The web client and the explorer run in browsers.
    files: ["web-client/src/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
);
