// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vitest from '@vitest/eslint-plugin';

// Architecture rules from the style guide, enforced rather than reviewed.
const envRead = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Read the environment only in src/lib/config.ts and the entry points (pass it in).',
};
const clientNew = {
  // Any `new …Client(`: every AWS SDK v3 client, including services added later.
  selector: 'NewExpression[callee.name=/^[A-Za-z0-9]+Client$/]',
  message: 'Build SDK clients only in src/lib/aws/clients.ts.',
};

export default tseslint.config(
  { ignores: ['node_modules/', '.serverless/', '.esbuild/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules: an async-heavy codebase, so a promise nobody awaits is a bug until shown otherwise.
    // Fire-and-forget is written `void promise` with a comment saying why.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `return await` inside try/catch, so the catch sees the rejection.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
    },
  },
  { files: ['src/**'], rules: { 'no-restricted-syntax': ['error', envRead, clientNew] } },
  { files: ['src/lib/config.ts', 'src/handlers/**', 'src/cli/**'], rules: { 'no-restricted-syntax': ['error', clientNew] } },
  { files: ['src/lib/aws/clients.ts'], rules: { 'no-restricted-syntax': ['error', envRead] } },
  {
    files: ['src/lib/policy/**', 'src/lib/plan/**', 'src/lib/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@aws-sdk/*', '**/aws/clients*', '**/aws/ecr*', '**/aws/ecs*', '**/aws/inspector2*', '**/aws/eventbridge*', '**/aws/scheduler*'], message: 'The pure core must not reach AWS.' }] },
      ],
    },
  },
  {
    files: ['test/**'],
    plugins: { vitest },
    rules: {
      ...vitest.configs.recommended.rules,
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*', 'fc.assert', 'test.prop'] }],
    },
  },
);
