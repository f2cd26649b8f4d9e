// Regenerates schema/kelpie.schema.json: node --import tsx src/config/schema-write.ts
// (test/config/schema.test.ts fails when the committed file is out of date).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './schema.js';

const target = fileURLToPath(new URL('../../schema/kelpie.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
