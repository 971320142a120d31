// ESLint (flat config) with typescript-eslint. One rule matters for the architecture: src/core stays
// pure (no vscode, no DOM, no onnxruntime), so the CLI, the language server and the webview can all use it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'out/',
      'node_modules/',
      '.cache/',
      '.vscode-test/',
      'src/core/onnx/proto/onnx.js',
      'src/core/onnx/proto/onnx.d.ts',
      'test/e2e/artifacts/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Plain CommonJS entry point for npm's bin link.
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // A spread passes every element as an argument: a list of a hostile file's making (200,000 op types,
    // outputs, nodes in a box) overflows the stack. src/core/lists.ts has pushAll and largest.
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'] > SpreadElement",
          message: 'Math.max/min(...list) overflows the stack on a large list: use largest() or a loop.',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(push|unshift)$/] > SpreadElement',
          message: 'push(...list) overflows the stack on a large list: use pushAll() or a loop.',
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/core is pure: no vscode. Put VS Code glue in src/extension.' },
            {
              name: 'onnxruntime-node',
              message: 'src/core never loads onnxruntime-node; run it in a child process.',
            },
          ],
          patterns: [
            {
              group: ['**/extension/**', '**/server/**', '**/cli/**', '**/webview/**'],
              message: 'src/core must not depend on outer layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'HTMLElement', 'acquireVsCodeApi'].map((name) => ({
          name,
          message: 'src/core is pure: no DOM.',
        })),
      ],
    },
  },
);
