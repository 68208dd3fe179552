'use strict'
// The type declarations (index.d.ts, global.d.ts, testing.d.ts) compiled with tsc, as a
// TypeScript project uses them: the seed examples and the package's modules must compile, the
// misuses in misuse.ts must each be an error, and minisock's wx must fit the socket part of
// miniprogram-api-typings' WechatMiniprogram.Wx member by member (test/types/wechat/fit.ts,
// where the differences the README names are expected errors).
//
// typescript and miniprogram-api-typings are devDependencies: `npm ci --ignore-scripts` in
// bindings/node (scripts/test.sh does it).

const assert = require('node:assert/strict')
const { test } = require('node:test')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const pkg = path.join(__dirname, '..')
const tsc = path.join(pkg, 'node_modules', 'typescript', 'bin', 'tsc')

function compile (project) {
  assert.ok(fs.existsSync(tsc), `TypeScript is not installed: run \`npm ci --ignore-scripts\` in ${pkg}`)
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', project)], {
    cwd: pkg, encoding: 'utf8'
  })
  return { status: r.status, output: (r.stdout + r.stderr).trim() }
}

test('types: the seed examples, the modules and the misuses compile as expected', () => {
  const { status, output } = compile('seeds')
  assert.equal(status, 0, output)
})

test('types: minisock\'s wx fits WechatMiniprogram.Wx\'s socket calls, except where the README says', () => {
  const { status, output } = compile('wechat')
  assert.equal(status, 0, output)
})

test('types: a misuse without its expected-error mark fails the compilation', () => {
  // The checks above can fail: the same project with one expected error taken away.
  const dir = fs.mkdtempSync(path.join(pkg, 'test', 'types', 'tmp-'))
  try {
    const misuse = fs.readFileSync(path.join(__dirname, 'types', 'seeds', 'misuse.ts'), 'utf8')
      .replace("// @ts-expect-error the address is a string\n", '')
    fs.writeFileSync(path.join(dir, 'misuse.ts'), misuse)
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      extends: '../seeds/tsconfig.json', files: ['misuse.ts']
    }))
    const { status, output } = compile(path.basename(dir))
    assert.notEqual(status, 0)
    assert.match(output, /misuse\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
