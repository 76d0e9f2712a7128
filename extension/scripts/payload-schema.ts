// Writes docs/payloads.schema.json from extension/src/core/payloads.ts (npm run -s payloads:schema).
// extension/test/payloads.test.ts fails while the checked-in file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { payloadSchema } from '../src/core/payloads.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../docs/payloads.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(payloadSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
