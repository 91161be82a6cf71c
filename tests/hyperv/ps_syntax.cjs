// Parses PowerShell files with the tree-sitter PowerShell grammar (run by
// web-tree-sitter under node) and reports every ERROR or MISSING node with
// its line and column. Exit status 0 only if every file parses cleanly.
//   node ps_syntax.cjs <npm prefix holding node_modules> file.ps1...
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
  for (const file of files) {
    const tree = parser.parse(fs.readFileSync(file, 'utf8'));
    const problems = [];
    // Depth-first walk of every node, named or not: MISSING nodes are
    // zero-width tokens the parser invented to recover.
    const walk = (node) => {
      if (node.isMissing) {
        problems.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1}: missing "${node.type}"`);
      } else if (node.type === 'ERROR') {
        const text = node.text.split('\n')[0].slice(0, 60);
        problems.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1}: syntax error at "${text}"`);
      }
      for (let i = 0; i < node.childCount; i++) walk(node.child(i));
    };
    walk(tree.rootNode);
    if (tree.rootNode.type !== 'program') problems.push(`root node is ${tree.rootNode.type}, not program`);
    if (problems.length) {
      bad++;
      console.log(`not ok - ${file} parses as PowerShell`);
      for (const p of problems) console.log(`    # ${file}:${p}`);
    } else {
      console.log(`ok - ${file} parses as PowerShell (${tree.rootNode.descendantCount} nodes)`);
    }
  }
  process.exit(bad ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
