// ESLint for the screens' ES modules (`make lint-js`, part of `make test`), as ruff is for Python.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "test-artifacts/", "instance/"] },
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        ...globals.browser,
        Chart: "readonly", // chart.js's UMD build, loaded by a <script> on the report pages
      },
    },
    rules: {
      // Today's style: `catch (err) { fall back }` names the error it ignores.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    files: ["eslint.config.mjs", "bench/*.mjs"],
    languageOptions: { globals: globals.node },
  },
];
