/** Tests live next to the code as src/*.test.ts, their helpers in the package's test/; TypeScript is compiled by swc (tsc checks types in the build, through each package's tsconfig.test.json). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/src/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: {
    '^@mlship/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    // Subpath exports (`@mlship/onnx/runtime`): the file of that name in the package's src/.
    '^@mlship/([a-z-]+)/([a-z-]+)$': '<rootDir>/packages/$1/src/$2.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
