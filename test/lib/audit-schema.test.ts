import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA_VERSION } from '../../src/lib/audit.js';
import { auditReportJsonSchema, AuditReportSchema } from '../../src/lib/audit-schema.js';

const committed = new URL('../../docs/audit-report.schema.json', import.meta.url);

describe('Constant: docs/audit-report.schema.json', () => {
  it('is exactly what `npm run schema` generates from the zod model (run it after changing the report)', () => {
    // Act
    const generated = `${JSON.stringify(auditReportJsonSchema(), null, 2)}\n`;

    // Assess
    expect(readFileSync(committed, 'utf8')).toBe(generated);
  });

  it('names its version, and requires it in every report', () => {
    // Prepare
    const schema = JSON.parse(readFileSync(committed, 'utf8')) as { $id: string; required: string[]; properties: { schemaVersion: { const: number } } };

    // Assess
    expect(schema.$id).toMatch(new RegExp(`#v${AUDIT_SCHEMA_VERSION}$`));
    expect(schema.required).toContain('schemaVersion');
    expect(schema.properties.schemaVersion.const).toBe(AUDIT_SCHEMA_VERSION);
  });
});

describe('Constant: AuditReportSchema', () => {
  it('refuses a report of another schema version', () => {
    // Prepare
    const report = { kind: 'audit', schemaVersion: AUDIT_SCHEMA_VERSION + 1 };

    // Act
    const result = AuditReportSchema.safeParse(report);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('schemaVersion');
  });
});
