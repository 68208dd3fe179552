'use strict'
// createRuntime({ policy }): a preset name, or an object of minisock::Policy fields over a
// preset (`base`, default 'development'). Checked here; src/policy_binding.cpp reads the result.

const { typeName, isObject } = require('./args')

const PRESETS = ['release', 'development', 'unrestricted']

function fail (message) {
  throw new TypeError(`createRuntime: ${message}`)
}

function isPort (n) {
  return Number.isInteger(n) && n >= 0 && n <= 65535
}

// [80, [8000, 8100], {first: 9200, last: 9300}] -> [[80, 80], [8000, 8100], [9200, 9300]]
function portRanges (name, value) {
  if (!Array.isArray(value)) fail(`policy.${name} should be Array instead of ${typeName(value)}`)
  return value.map((item, i) => {
    let range
    if (typeof item === 'number') range = [item, item]
    else if (Array.isArray(item) && item.length === 2) range = item
    else if (isObject(item)) range = [item.first, item.last]
    if (!range || !isPort(range[0]) || !isPort(range[1]) || range[0] > range[1]) {
      fail(`policy.${name}[${i}] should be a port, [first, last] or {first, last} (0-65535)`)
    }
    return [range[0], range[1]]
  })
}


function boolean (name, value) {
  if (typeof value !== 'boolean') fail(`policy.${name} should be Boolean instead of ${typeName(value)}`)
  return value
}
function string (name, value) {
  if (typeof value !== 'string') fail(`policy.${name} should be String instead of ${typeName(value)}`)
  return value
}
function strings (name, value) {
  if (!Array.isArray(value) || !value.every(s => typeof s === 'string')) {
    fail(`policy.${name} should be an Array of String`)
  }
  return value.slice()
}
function count (name, value) {
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) {
    fail(`policy.${name} should be an integer from 0 (no limit) to 2147483647`)
  }
  return value
}
function positive (name, value) {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    fail(`policy.${name} should be a positive number of seconds`)
  }
  return value
}
function size (name, value) {
  if (!Number.isSafeInteger(value) || value < 1) fail(`policy.${name} should be a positive integer (bytes)`)
  return value
}

// The fields and their kinds come from the addon (src/policy_binding.cpp: the one list of
// minisock::Policy's fields); each kind has its check here.
const CHECKS = { ports: portRanges, count, seconds: positive, boolean, strings, size, string }
const FIELDS = Object.fromEntries(Object.entries(require('./native').POLICY_FIELDS)
  .map(([name, kind]) => [name, CHECKS[kind]]))

function normalizePolicy (policy) {
  if (policy === undefined) return { base: 'development' }
  if (typeof policy === 'string') {
    if (!PRESETS.includes(policy)) fail(`policy should be one of ${PRESETS.join(', ')} or an object`)
    return { base: policy }
  }
  if (!isObject(policy)) fail(`policy should be String or Object instead of ${typeName(policy)}`)
  const base = policy.base === undefined ? 'development' : policy.base
  if (!PRESETS.includes(base)) fail(`policy.base should be one of ${PRESETS.join(', ')}`)
  const spec = { base }
  for (const [name, value] of Object.entries(policy)) {
    if (name === 'base' || value === undefined) continue
    const check = FIELDS[name]
    if (!check) fail(`unknown policy field '${name}' (fields: ${Object.keys(FIELDS).join(', ')})`)
    spec[name] = check(name, value)
  }
  return spec
}

module.exports = { normalizePolicy, PRESETS }
