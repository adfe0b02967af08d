/**
 * Every function of the public API (src/index.ts, src/node.ts) has TSDoc: a summary, an
 * `@param` for each parameter and `@returns` unless it returns nothing; every class a
 * summary. Read
 * with the TypeScript compiler, so a new export without docs fails here, not in review.
 */
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRIES = ['src/index.ts', 'src/node.ts'].map((f) => path.resolve(__dirname, '../..', f));

/** What is missing from the docs of one callable declaration. */
function missingDocs(decl: ts.SignatureDeclaration, checker: ts.TypeChecker): string[] {
  const missing: string[] = [];
  const sig = checker.getSignatureFromDeclaration(decl);
  if (!sig) return missing;
  const summary = ts.displayPartsToString(sig.getDocumentationComment(checker)).trim();
  const tags = sig.getJsDocTags();
  if (!summary && !tags.some((t) => t.name === 'inheritDoc')) missing.push('summary');
  if (tags.some((t) => t.name === 'inheritDoc')) return missing;
  const documented = new Set(
    tags
      .filter((t) => t.name === 'param')
      .map((t) => ts.displayPartsToString(t.text).trim().split(/\s/)[0]!),
  );
  for (const p of decl.parameters) {
    const name = p.name.getText();
    if (!documented.has(name)) missing.push(`@param ${name}`);
  }
  const returns = checker.typeToString(sig.getReturnType());
  const nothing = ['void', 'Promise<void>', 'never'].includes(returns);
  if (!nothing && !tags.some((t) => t.name === 'returns')) missing.push('@returns');
  return missing;
}

describe('TSDoc of the public API', () => {
  it('every exported function documents its summary, parameters and result', () => {
    const program = ts.createProgram(ENTRIES, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const problems = new Set<string>();
    for (const entry of ENTRIES) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol =
          exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        for (const decl of symbol.declarations ?? []) {
          const where = exported.getName();
          if (ts.isFunctionDeclaration(decl) && decl.body) {
            const m = missingDocs(decl, checker);
            if (m.length) problems.add(`${where}: ${m.join(', ')}`);
          }
          // Classes: a summary (their methods implement documented interfaces).
          if (ts.isClassDeclaration(decl) && !ts.getJSDocCommentsAndTags(decl).length)
            problems.add(`${where}: class summary`);
        }
      }
    }
    expect([...problems].sort()).toEqual([]);
  }, 60_000);
});
