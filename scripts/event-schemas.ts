/**
 * Writes docs/events/: one JSON Schema per event type and the README indexing them, from the event catalog
 * (packages/contracts/src/events.ts). `npm run events:schemas`; packages/contracts/src/event-schemas.test.ts fails
 * when the committed files are out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventSchemaFiles } from '../packages/contracts/src/event-schemas';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'events');
fs.mkdirSync(dir, { recursive: true });
const files = eventSchemaFiles();
for (const name of fs.readdirSync(dir)) if (!(name in files)) fs.rmSync(path.join(dir, name));
for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
console.log(`wrote ${Object.keys(files).length} files to ${path.relative(process.cwd(), dir) || dir}`);
