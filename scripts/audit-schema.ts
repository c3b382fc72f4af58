/**
 * Writes docs/audit-report.schema.json from the zod model of the audit report (`npm run schema`).
 * `test/lib/audit-schema.test.ts` fails when the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { auditReportJsonSchema } from '../src/lib/audit-schema.js';

const path = new URL('../docs/audit-report.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(auditReportJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.pathname}\n`);
