// Type-aware linting: no-floating-promises matters most here, because in a
// queue service a promise nobody awaits is a message nobody sends.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/server/console/static/**', 'test-output/**', 'scratch/**', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // Only the store knows SQL: a job handler calls named store operations (delivery/store/), never the query builder.
    files: ['src/jobs/handlers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kysely', message: 'handlers hold no SQL: add a named operation to src/delivery/store/ and call it' }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name=/^(selectFrom|updateTable|insertInto|deleteFrom|replaceInto|mergeInto|selectNoFrom)$/]",
          message: 'handlers hold no SQL: add a named operation to src/delivery/store/ and call it',
        },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: 'handlers hold no SQL: add a named operation to src/delivery/store/ and call it' },
      ],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
