// Parses PowerShell files with the tree-sitter PowerShell grammar (run by
// web-tree-sitter under node) and reports every ERROR or MISSING node with
// its line and column. Exit status 0 only if every file parses cleanly.
//   PS_SYNTAX_OUT=report.txt node ps_syntax.cjs <npm prefix holding node_modules> file.ps1...
'use strict';
const path = require('path');
const fs = require('fs');

async function main() {
  const [prefix, ...files] = process.argv.slice(2);
  if (!prefix || files.length === 0) {
    console.error('usage: node ps_syntax.cjs <npm prefix> file.ps1...');
    process.exit(2);
  }
  // Resolve the packages the way npm installed them under the prefix.
  const prefixRequire = require('module').createRequire(path.join(path.resolve(prefix), 'package.json'));
  const { Parser, Language } = prefixRequire('web-tree-sitter');
  await Parser.init();
  const grammar = path.join(path.dirname(prefixRequire.resolve('tree-sitter-powershell/package.json')),
                            'tree-sitter-powershell.wasm');
  const language = await Language.load(grammar);
  const parser = new Parser();
  parser.setLanguage(language);

  let bad = 0;
  const out = [];
  const say = (line) => out.push(line);
  for (const file of files) {
    const tree = parser.parse(fs.readFileSync(file, 'utf8'));
    const problems = [];
    // Depth-first walk of every node, named or not, with a tree cursor
    // (child-by-index access is quadratic on a large ERROR node). MISSING
    // nodes are zero-width tokens the parser invented to recover.
    const report = (node) => {
      const at = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      if (node.isMissing) problems.push(`${at}: missing "${node.type}"`);
      else problems.push(`${at}: syntax error at "${node.text.split('\n')[0].slice(0, 60)}"`);
    };
    const c = tree.walk();
    for (;;) {
      if (c.nodeIsMissing || c.nodeType === 'ERROR') report(c.currentNode);
      if (c.gotoFirstChild()) continue;
      while (!c.gotoNextSibling()) {
        if (!c.gotoParent()) break;
      }
      if (c.currentDepth === 0) break;
    }
    if (tree.rootNode.type !== 'program') problems.push(`root node is ${tree.rootNode.type}, not program`);
    if (problems.length) {
      bad++;
      say(`not ok - ${file} parses as PowerShell`);
      for (const p of problems) say(`    # ${file}:${p}`);
    } else {
      say(`ok - ${file} parses as PowerShell (${tree.rootNode.descendantCount} nodes)`);
    }
  }
  // The report goes to a file in one synchronous write, ending "# end":
  // under load node sometimes does not exit after a run, so the caller
  // reads this file and stops the process itself.
  say('# end');
  require('fs').writeFileSync(process.env.PS_SYNTAX_OUT || '/dev/stdout', out.join('\n') + '\n');
  process.exit(bad ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
