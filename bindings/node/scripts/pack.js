'use strict'
// `npm pack` / `npm publish` in bindings/node (prepack / postpack): copies what the tarball
// needs from the repository and removes it again afterwards.
//   prepare: native/ <- the core's sources (CMakeLists.txt, cmake/, include/, src/, LICENSE),
//            LICENSE, and prebuilds/linux-x64/node.napi.node <- a built addon, with its debug
//            information stripped, when one exists (MINISOCK_PREBUILT=/path/minisock.node, else
//            the release preset's build; MINISOCK_PREBUILT=none packs without one).
//   clean:   removes them.

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const pkg = path.join(__dirname, '..')
const repo = path.join(pkg, '..', '..')
const native = path.join(pkg, 'native')
const prebuilds = path.join(pkg, 'prebuilds')

function copy (from, to) {
  fs.cpSync(path.join(repo, from), path.join(native, to ?? from), { recursive: true })
}

function prepare () {
  clean()
  for (const item of ['CMakeLists.txt', 'cmake', 'include', 'src', 'LICENSE']) copy(item)
  fs.copyFileSync(path.join(repo, 'LICENSE'), path.join(pkg, 'LICENSE'))
  const wanted = process.env.MINISOCK_PREBUILT
  if (wanted === 'none') return
  const addon = wanted || path.join(repo, 'build', 'release', 'bindings', 'node', 'minisock.node')
  if (!fs.existsSync(addon)) {
    if (wanted) throw new Error(`MINISOCK_PREBUILT: ${wanted} does not exist`)
    console.warn(`minisock pack: no built addon at ${addon}; the tarball builds from source at install`)
    return
  }
  const dir = path.join(prebuilds, `${process.platform}-${process.arch}`)
  fs.mkdirSync(dir, { recursive: true })
  const target = path.join(dir, 'node.napi.node')
  const r = spawnSync('objcopy', ['--strip-debug', addon, target], { stdio: 'inherit' })
  if (r.status !== 0) fs.copyFileSync(addon, target)
}

function clean () {
  fs.rmSync(native, { recursive: true, force: true })
  fs.rmSync(prebuilds, { recursive: true, force: true })
  fs.rmSync(path.join(pkg, 'LICENSE'), { force: true })
}

const command = process.argv[2]
if (command === 'prepare') prepare()
else if (command === 'clean') clean()
else throw new Error('usage: node scripts/pack.js prepare|clean')
