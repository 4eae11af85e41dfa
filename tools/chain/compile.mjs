// Compiles contracts/*.sol and contracts/test/*.sol (contracts only tests deploy) with solc-js (standard-JSON API, optimizer on) and writes one
// artifact per contract, <out>/<Name>.json = { contractName, abi, bytecode }, which
// crates/chain embeds through alloy's `sol!`. Output is deterministic: same sources, same bytes.
//
// Usage: node tools/chain/compile.mjs <contracts dir> <out dir>
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const solc = require('solc')

const [srcDir, outDir] = process.argv.slice(2)
if (!srcDir || !outDir) {
  console.error('usage: node compile.mjs <contracts dir> <out dir>')
  process.exit(2)
}

const sources = {}
for (const dir of ['', 'test']) {
  const full = path.join(srcDir, dir)
  if (!fs.existsSync(full)) continue
  for (const file of fs.readdirSync(full).filter((f) => f.endsWith('.sol')).sort()) {
    sources[path.posix.join(dir, file)] = { content: fs.readFileSync(path.join(full, file), 'utf8') }
  }
}
if (Object.keys(sources).length === 0) {
  console.error(`no .sol files in ${srcDir}`)
  process.exit(1)
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    // No metadata hash in the bytecode: it would change with comments and paths.
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
}

const output = JSON.parse(solc.compile(JSON.stringify(input)))
const problems = output.errors ?? []
for (const p of problems) console.error(p.formattedMessage)
if (problems.some((p) => p.severity === 'error')) process.exit(1)

fs.mkdirSync(outDir, { recursive: true })
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    // Interfaces have no bytecode and nothing to deploy.
    if (!c.evm.bytecode.object) continue
    const artifact = { contractName: name, sourceName: file, abi: c.abi, bytecode: '0x' + c.evm.bytecode.object }
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n')
  }
}
console.error(`solc ${solc.version()}: compiled ${Object.keys(sources).join(', ')} into ${outDir}`)
