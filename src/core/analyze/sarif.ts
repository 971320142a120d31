import { CODES, type Severity } from './codes';
import type { AnalysisReport } from './types';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/**
 * SARIF 2.1.0 for CI code scanning: one run, the tool's rules (every diagnostic code it can report), and a
 * result per finding located at the model file with the node as a logical location.
 */
export function toSarif(report: AnalysisReport, artifactUri: string, toolVersion: string): object {
  const used = [...new Set(report.diagnostics.map((d) => d.code))];
  const rules = Object.entries(CODES).map(([id, code]) => ({
    id,
    name: code.name,
    shortDescription: { text: code.summary },
    fullDescription: { text: code.summary },
    defaultConfiguration: { level: LEVEL[code.severity] },
    help: { text: code.help },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'onnx-pruner', version: toolVersion, rules } },
        artifacts: [{ location: { uri: artifactUri } }],
        results: report.diagnostics.map((d) => ({
          ruleId: d.code,
          ...(ruleIndex.has(d.code) ? { ruleIndex: ruleIndex.get(d.code) } : {}),
          level: LEVEL[d.severity],
          message: { text: d.message },
          locations: [
            d.file && d.range
              ? {
                  physicalLocation: {
                    artifactLocation: { uri: d.file },
                    region: {
                      startLine: d.range.start.line + 1,
                      startColumn: d.range.start.character + 1,
                      endLine: d.range.end.line + 1,
                      endColumn: d.range.end.character + 1,
                    },
                  },
                }
              : {
                  physicalLocation: { artifactLocation: { uri: artifactUri, index: 0 } },
                  ...(d.node ? { logicalLocations: [{ name: d.node, kind: 'member' }] } : {}),
                },
          ],
          ...(d.group ? { properties: { group: d.group } } : {}),
        })),
        properties: { codesReported: used },
      },
    ],
  };
}
