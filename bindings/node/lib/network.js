'use strict'
// createRuntime({ network }): minisock::NetworkOptions, an extension (the platform has no
// proxy, client certificate, pin or resumption setting): the proxy, and the TLS fields for wss. Checked here, as lib/policy.js checks the policy: a field of the
// wrong type or a value minisock cannot use (NetworkOptions::check(), in minisock's words,
// never the credentials) throws a TypeError from createRuntime; src/policy_binding.cpp reads
// the result.

const native = require('./native')
const { typeName, isObject } = require('./args')

const TLS_STRINGS = ['caPem', 'clientCertificateFile', 'clientCertificatePem', 'clientKeyFile',
  'clientKeyPem', 'clientKeyPassphrase']
const FIELDS = ['proxy', 'noProxy', ...TLS_STRINGS, 'pinnedPublicKeys', 'tlsSessionResumption']

function fail (message) {
  throw new TypeError(`createRuntime: ${message}`)
}

// {proxy, noProxy} -> the spec the addon reads ({} when nothing is set: the defaults).
function normalizeNetwork (network) {
  if (network === undefined) return undefined
  if (!isObject(network) || Array.isArray(network)) fail(`network should be Object instead of ${typeName(network)}`)
  for (const name of Object.keys(network)) {
    if (!FIELDS.includes(name) && network[name] !== undefined) {
      fail(`unknown network field '${name}' (fields: ${FIELDS.join(', ')})`)
    }
  }
  // Each field read once: a getter sees no second read.
  const { proxy, noProxy, pinnedPublicKeys, tlsSessionResumption } = network
  const spec = {}
  for (const name of TLS_STRINGS) {
    const value = network[name]
    if (value === undefined) continue
    if (typeof value !== 'string') fail(`network.${name} should be String instead of ${typeName(value)}`)
    spec[name] = value
  }
  if (pinnedPublicKeys !== undefined) {
    if (!Array.isArray(pinnedPublicKeys)) fail(`network.pinnedPublicKeys should be Array instead of ${typeName(pinnedPublicKeys)}`)
    const list = pinnedPublicKeys.slice()
    list.forEach((pin, i) => {
      if (typeof pin !== 'string') fail(`network.pinnedPublicKeys[${i}] should be String instead of ${typeName(pin)}`)
    })
    spec.pinnedPublicKeys = list
  }
  if (tlsSessionResumption !== undefined) {
    if (typeof tlsSessionResumption !== 'boolean') fail(`network.tlsSessionResumption should be Boolean instead of ${typeName(tlsSessionResumption)}`)
    spec.tlsSessionResumption = tlsSessionResumption
  }
  if (proxy !== undefined) {
    if (typeof proxy !== 'string') fail(`network.proxy should be String instead of ${typeName(proxy)}`)
    const problem = native.networkProblem({ proxy })
    if (problem) fail(`network.proxy: ${problem}`)
    spec.proxy = proxy
  }
  if (noProxy !== undefined) {
    if (!Array.isArray(noProxy)) fail(`network.noProxy should be Array instead of ${typeName(noProxy)}`)
    const list = noProxy.slice()
    list.forEach((entry, i) => {
      if (typeof entry !== 'string') fail(`network.noProxy[${i}] should be String instead of ${typeName(entry)}`)
      const problem = native.networkProblem({ noProxy: [entry] })
      if (problem) fail(`network.noProxy[${i}]: ${problem}`)
    })
    spec.noProxy = list
  }
  // The TLS fields' form as a whole (a file and text both given, a key without a certificate,
  // a pin of the wrong form), in minisock's words; what files and PEM hold is read at the first
  // wss connection, whose Error names what cannot be used.
  const problem = native.networkProblem(spec)
  if (problem) fail(`network: ${problem}`)
  return spec
}

module.exports = { normalizeNetwork, NETWORK_FIELDS: FIELDS }
