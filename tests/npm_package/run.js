'use strict'
// The npm package as a user gets it (run by CTest: tests/CMakeLists.txt):
//   node tests/npm_package/run.js prebuilt|source WORK_DIR [ADDON]
// packs bindings/node with `npm pack` (prebuilt: the tarball carries ADDON as its linux-x64
// prebuilt; source: no prebuilt, so `npm install` builds the addon from the tarball's sources
// with cmake-js), installs the tarball into a fresh project in WORK_DIR, outside the
// repository, and runs from there the tests that show the installed package works as a
// whole: test/shared (the seeds as written, bad arguments to every call, the policies, text
// round trips; the files `minisock run` runs too) and the example of examples/node
// (mini-program code under Node's test runner, through require('minisock/global')). The rest
// of the binding's suite tests the same JavaScript and addon and runs once, against the
// repository's build (scripts/test.sh): running it again from the package would test nothing
// more. Source mode also checks that, with the build tools out of reach, `npm rebuild` fails
// naming the Debian packages to install.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const [mode, workDir, addon] = process.argv.slice(2)
if (!['prebuilt', 'source'].includes(mode) || !workDir) {
  console.error('usage: node run.js prebuilt|source WORK_DIR [ADDON]')
  process.exit(64)
}
const repo = path.resolve(__dirname, '..', '..')
const pkg = path.join(repo, 'bindings', 'node')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run (command, args, options = {}) {
  console.log(`$ ${command} ${args.join(' ')}  (in ${options.cwd || process.cwd()})`)
  const r = spawnSync(command, args, { stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', ...options })
  if (options.capture) {
    process.stdout.write(r.stdout || '')
    process.stdout.write(r.stderr || '')
  }
  if (!options.mayFail) assert.equal(r.status, 0, `${command} ${args.join(' ')} exited with ${r.status}`)
  return r
}

const started = Date.now()
fs.rmSync(workDir, { recursive: true, force: true })
fs.mkdirSync(workDir, { recursive: true })

// 1. npm pack (prepack copies the core's sources and, in prebuilt mode, the addon).
const env = { ...process.env, MINISOCK_PREBUILT: mode === 'prebuilt' ? path.resolve(addon) : 'none' }
delete env.MINISOCK_NODE_ADDON
run(npm, ['pack', '--pack-destination', workDir], { cwd: pkg, env })
const version = require(path.join(pkg, 'package.json')).version
const tarball = path.join(workDir, `minisock-${version}.tgz`)
assert.ok(fs.existsSync(tarball), `npm pack made ${tarball}`)
assert.ok(!fs.existsSync(path.join(pkg, 'native')), 'postpack removed the copies')
const listing = run('tar', ['-tzf', tarball], { capture: true }).stdout.split('\n')
for (const file of ['package/LICENSE', 'package/index.d.ts', 'package/native/CMakeLists.txt',
  'package/native/src/core/runtime.cpp', 'package/src/addon.cpp', 'package/scripts/install.js']) {
  assert.ok(listing.includes(file), `the tarball holds ${file}`)
}
assert.equal(listing.includes('package/prebuilds/linux-x64/node.napi.node'), mode === 'prebuilt',
  'a prebuilt addon exactly in prebuilt mode')
assert.ok(!listing.some(f => f.startsWith('package/test/') || f.startsWith('package/node_modules/')),
  'no tests or node_modules in the tarball')

// 2. npm install into a fresh project outside the repository.
const project = path.join(workDir, 'project')
fs.mkdirSync(project)
fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'minisock-user', private: true }))
const installEnv = { ...process.env }
delete installEnv.MINISOCK_NODE_ADDON
run(npm, ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env: installEnv })
const installed = path.join(project, 'node_modules', 'minisock')

// 3. It loads its own addon: the prebuilt one, or the one built at install time.
const where = run(process.execPath, ['-e',
  "require('minisock'); console.log(require(require('node:path').join(require.resolve('minisock'), '..', 'lib', 'native.js')).path)"],
  { cwd: project, env: installEnv, capture: true }).stdout.trim()
const expected = mode === 'prebuilt'
  ? path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node')
  : path.join(installed, 'build', 'Release', 'minisock.node')
assert.equal(where, expected)

// 4. The tests that run in both engines (test/shared: the seeds as written, every call's bad
// arguments, policies, text) from the project, through require('minisock').
const tests = path.join(project, 'test')
fs.cpSync(path.join(pkg, 'test', 'shared'), path.join(tests, 'shared'), { recursive: true })
const shared = run(process.execPath, ['--test', 'test/'], {
  cwd: project, env: { ...installEnv, MINISOCK_PACKAGE: 'minisock' }, capture: true
})
// Node's runner ends with its counts: the shared files ran, every one of their tests passed.
assert.match(shared.stdout, /^# pass [1-9]/m, 'the shared tests ran from the installed package')
assert.match(shared.stdout, /^# fail 0$/m)

// 5. examples/node: mini-program code tested with require('minisock/global').
const example = path.join(project, 'example')
fs.cpSync(path.join(repo, 'examples', 'node'), example, { recursive: true })
run(process.execPath, ['--test', 'example/'], { cwd: project, env: installEnv })

// 6. Without the build tools, a rebuild names what to install.
if (mode === 'source') {
  const bin = path.join(workDir, 'bin')
  fs.mkdirSync(bin)
  fs.symlinkSync(process.execPath, path.join(bin, 'node'))
  const r = run(process.execPath, [path.join(installed, 'scripts', 'install.js')], {
    cwd: installed, capture: true, mayFail: true,
    env: { ...installEnv, PATH: bin, MINISOCK_BUILD_FROM_SOURCE: '1' }
  })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /missing:\n {2}- cmake \(3\.25 or later\) \(Debian package cmake\)\n {2}- a C\+\+20 compiler \(Debian package g\+\+\)/)
  assert.match(r.stderr, /sudo apt-get install cmake g\+\+ ninja-build/)
}
console.log(`package test (${mode}) passed in ${Math.round((Date.now() - started) / 1000)} s`)
