// ESLint rule `local/feature-boundaries`: a file in packages/server/src/features/<a>/ may import from another
// feature <b> only through features/<b>/index.ts (its exported service and types), never its store, rows or other
// modules. Import paths are resolved against the importing file, so `../b/x`, `../../features/b/x` and
// `import('../b/x').T` are all caught; `import type` and `export ... from` count like any import.
import path from 'node:path';

const FEATURE_FILE = /^(.*[\\/]packages[\\/]server[\\/]src[\\/]features)[\\/]([^\\/]+)[\\/]/;

/** The feature `spec` reaches into from `file` other than through its index, or null. */
export function crossedBoundary(file, spec) {
  const m = FEATURE_FILE.exec(file);
  if (!m || typeof spec !== 'string' || !spec.startsWith('.')) return null;
  const [, featuresDir, from] = m;
  const rel = path.relative(featuresDir, path.resolve(path.dirname(file), spec));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const [to, ...rest] = rel.split(/[\\/]/);
  if (to === from || rest.length === 0 || (rest.length === 1 && /^index(\.[cm]?[jt]sx?)?$/.test(rest[0]))) return null;
  return { from, to };
}

export const featureBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'A feature reaches another only through that feature\'s index.ts' },
    messages: { cross: "features/{{from}} may use features/{{to}} only through features/{{to}}/index.ts, not '{{spec}}'" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    if (!FEATURE_FILE.test(file)) return {};
    const check = (source) => {
      const spec = source?.type === 'Literal' ? source.value : source?.type === 'TSLiteralType' ? source.literal?.value : undefined;
      const hit = crossedBoundary(file, spec);
      if (hit) context.report({ node: source, messageId: 'cross', data: { ...hit, spec } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => n.source && check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportType: (n) => check(n.argument),
      TSExternalModuleReference: (n) => check(n.expression),
    };
  },
};

export default { rules: { 'feature-boundaries': featureBoundaries } };
