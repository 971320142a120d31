/**
 * jsonc-parser, through its ES module build: the package's `main` is a UMD wrapper whose inner `require`s
 * esbuild cannot follow, so a bundle of the UMD build fails at run time ("Cannot find module './impl/format'").
 */
export {
  applyEdits as applyJsonEdits,
  findNodeAtOffset,
  getLocation,
  modify,
  parseTree,
  printParseErrorCode,
  stripComments,
  type Node,
  type ParseError,
} from 'jsonc-parser/lib/esm/main.js';
