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

test('types: every call and property index.d.ts declares exists on the objects, and none is missing', () => {
  // The declared members, read with TypeScript's checker, against what the binding builds.
  const ts = require(path.join(pkg, 'node_modules', 'typescript'))
  const file = path.join(pkg, 'index.d.ts')
  const program = ts.createProgram([file], { strict: true, noEmit: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)
  const moduleSymbol = checker.getSymbolAtLocation(source)
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map(s => [s.name, s]))
  // Declared members as { required, optional } name lists (an optional one, such as the errMsg
  // Taro sets on a task, may be absent).
  const split = properties => ({
    required: properties.filter(p => !(p.flags & ts.SymbolFlags.Optional)).map(p => p.name).sort(),
    optional: properties.filter(p => p.flags & ts.SymbolFlags.Optional).map(p => p.name).sort()
  })
  const membersOfExport = name =>
    split(checker.getTypeOfSymbolAtLocation(exported.get(name), source).getProperties())
  const namespace = checker.getExportsOfModule(exported.get('minisock') ?? moduleSymbol)
  const membersOfInterface = name => {
    const symbol = namespace.find(s => s.name === name)
    assert.ok(symbol, `index.d.ts declares ${name}`)
    return split(checker.getDeclaredTypeOfSymbol(symbol).getProperties())
  }
  // Every member of the object is declared; every required declared member is on the object.
  const fits = (actual, declared, what) => {
    assert.deepEqual(actual.filter(n => !declared.optional.includes(n)), declared.required, what)
  }
  // What an object offers: its own string keys and its prototypes' (not Object's).
  const membersOf = object => {
    const names = new Set()
    for (let o = object; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const key of Object.getOwnPropertyNames(o)) if (key !== 'constructor') names.add(key)
    }
    return [...names].sort()
  }
  const minisock = require(pkg)
  const rt = minisock.createRuntime()
  try {
    fits(membersOf(minisock.wx), membersOfExport('wx'), 'wx')
    fits(membersOf(minisock.Taro), membersOfExport('Taro'), 'Taro')
    fits(membersOf(rt.wx.createTCPSocket()), membersOfInterface('TCPSocket'), 'TCPSocket')
    fits(membersOf(rt.wx.createUDPSocket()), membersOfInterface('UDPSocket'), 'UDPSocket')
    const task = rt.wx.connectSocket({ url: 'ws://127.0.0.1:9/', fail () {} })
    fits(membersOf(task), membersOfInterface('SocketTask'), 'SocketTask')
  } finally {
    rt.destroy()
  }
})
