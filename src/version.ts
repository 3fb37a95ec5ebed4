// moor's own version. Kept in step with package.json by a test (test/version.test.ts).
export const MOOR_VERSION = '0.1.0';
