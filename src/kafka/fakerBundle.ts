/**
 * The part of @faker-js/faker the test-data generators and templates use: the Faker class
 * and its English and base locale data. It is about 430 KB of code that only producing test
 * data needs, so the extension does not load it at activation: esbuild.js builds this file
 * on its own as dist/faker.js, and testData.ts requires it on first use (under tsx, in tests
 * and benchmarks, the same require reaches this file).
 */
export { base, en, Faker } from '@faker-js/faker';
