// Sums the JSON reports every test run wrote and prints one plain closing line.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
let passed = 0
let failed = 0
let skipped = 0
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(join(dir, name), 'utf8'))
  const p = r.numPassedTests ?? 0
  const f = r.numFailedTests ?? 0
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  console.log(`  ${name.replace(/\.json$/, '')}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`)
  passed += p
  failed += f
  skipped += s
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
