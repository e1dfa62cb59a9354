// ESLint for the page (static/*.js: classic browser scripts, no modules) and for this file itself.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "artifacts/", "build/", "dist/", ".venv/"] },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script", // loaded with <script defer>, not type="module": see index.html
      globals: { ...globals.browser },
    },
    rules: {
      strict: ["error", "function"], // each file's function says "use strict"
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": ["error", { lexicalBindings: true }],
      "no-shadow": "error",
      "no-use-before-define": ["error", { functions: false, classes: false, variables: false }],
      "consistent-return": "error",
      "no-unused-vars": ["error", { args: "all", argsIgnorePattern: "^_", caughtErrors: "all" }],
    },
  },
  {
    files: ["eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
];
