'use strict'
// createRuntime({ network: { caPem, pinnedPublicKeys, tlsSessionResumption, clientCertificate…
// } }) (minisock's extension, NetworkOptions' TLS fields) against the embedded wss echo server
// with a certificate made here: a CA given as PEM text, pins (match, mismatch giving the actual
// pin), session resumption reported in the Open event's profile, and bad settings.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const path = require('node:path')
const nodeTls = require('node:tls')
const { test, after } = require('node:test')
const { createRuntime, testing, Recorder, makeCertificate } = require('./helpers')

const tls = makeCertificate()
const certPem = fs.readFileSync(tls.cert, 'utf8')
const server = new testing.WsEchoServer({ cert: tls.cert, key: tls.key })
const url = `wss://localhost:${server.port}/`
after(() => {
  server.close()
  tls.remove()
})

// Opens a task, sends one text, expects its echo, closes; resolves the Open event (or the
// errMsg of the Error when the opening fails).
async function openOnce (rt, to = url) {
  const rec = new Recorder()
  const task = rt.wx.connectSocket({ url: to })
  task.onOpen(rec.on('open'))
  task.onMessage(rec.on('message'))
  task.onError(rec.on('error'))
  task.onClose(rec.on('close'))
  const first = await Promise.race([rec.waitFor('open').then(() => 'open'), rec.waitFor('error').then(() => 'error')])
  if (first === 'error') {
    await rec.waitFor('close')
    return { errMsg: rec.get('error').errMsg, code: rec.get('close').code }
  }
  task.send({ data: 'tls options' })
  await rec.waitFor('message')
  assert.equal(rec.get('message').data, 'tls options')
  task.close({ code: 1000 })
  await rec.waitFor('close')
  assert.equal(rec.get('close').code, 1000)
  return rec.get('open')
}

test('a CA given as PEM text is trusted; without it the certificate is refused', async () => {
  const trusting = createRuntime({ network: { caPem: certPem } })
  const plain = createRuntime()
  try {
    const open = await openOnce(trusting)
    assert.equal(open.profile.tlsSessionReused, false) // the Runtime's first connection
    const refused = await openOnce(plain)
    assert.match(refused.errMsg, /certificate/)
    assert.equal(refused.code, 1006)
  } finally {
    trusting.destroy()
    plain.destroy()
  }
})

test('the second connection resumes the TLS session, unless resumption is off', async () => {
  const rt = createRuntime({ network: { caPem: certPem } })
  const off = createRuntime({ network: { caPem: certPem, tlsSessionResumption: false } })
  try {
    assert.equal((await openOnce(rt)).profile.tlsSessionReused, false)
    assert.equal((await openOnce(rt)).profile.tlsSessionReused, true)
    assert.equal((await openOnce(off)).profile.tlsSessionReused, false)
    assert.equal((await openOnce(off)).profile.tlsSessionReused, false)
  } finally {
    rt.destroy()
    off.destroy()
  }
})

test('a pin mismatch fails with the actual pin, which then matches', async () => {
  const wrong = 'sha256//' + 'A'.repeat(43) + '='
  const mismatched = createRuntime({ network: { caPem: certPem, pinnedPublicKeys: [wrong] } })
  let actual
  try {
    const failed = await openOnce(mismatched)
    assert.equal(failed.code, 1006)
    const m = /its pin is (sha256\/\/[A-Za-z0-9+/]{43}=)/.exec(failed.errMsg)
    assert.ok(m, failed.errMsg)
    actual = m[1]
  } finally {
    mismatched.destroy()
  }
  const pinned = createRuntime({ network: { caPem: certPem, pinnedPublicKeys: [wrong, actual] } })
  try {
    const open = await openOnce(pinned)
    assert.ok(open.profile, 'opened')
  } finally {
    pinned.destroy()
  }
})

test('a client certificate file that cannot be read fails wss, naming it', async () => {
  const missing = `${tls.dir}/no-such-client.pem`
  const rt = createRuntime({
    network: { caPem: certPem, clientCertificateFile: missing, clientKeyFile: tls.key }
  })
  try {
    const failed = await openOnce(rt)
    assert.match(failed.errMsg, /cannot read NetworkOptions::clientCertificateFile/)
    assert.ok(failed.errMsg.includes(missing), failed.errMsg)
  } finally {
    rt.destroy()
  }
})

/**
 * A CA and a client certificate it issued (EC P-256, clientAuth) with an encrypted key, made
 * here by the openssl command: {caPem, certPem, keyPem (encrypted), passphrase}.
 */
function makeClientCertificate () {
  const dir = fs.mkdtempSync(path.join(tls.dir, 'client-'))
  const file = name => path.join(dir, name)
  const openssl = args => execFileSync('openssl', args, { stdio: 'ignore' })
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=minisock client CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'])
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', file('client.key'), '-passout', 'pass:open sesame', '-out', file('client.csr'),
    '-subj', '/CN=minisock client'])
  fs.writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n')
  openssl(['x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '1', '-extfile', file('client.ext'), '-out', file('client.pem')])
  const read = name => fs.readFileSync(file(name), 'utf8')
  return { caPem: read('ca.pem'), certPem: read('client.pem'), keyPem: read('client.key'), passphrase: 'open sesame' }
}

/**
 * A TLS server (Node's tls, tls.cert) that requires a client certificate issued by `clientCaPem`
 * and relays each accepted connection to the embedded ws echo server: {url, authorized, close()}.
 */
function mutualTlsServer (clientCaPem) {
  const echo = new testing.WsEchoServer()
  const authorized = []
  const server = nodeTls.createServer({
    cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key), ca: clientCaPem,
    requestCert: true, rejectUnauthorized: true
  }, socket => {
    authorized.push(socket.getPeerCertificate().subject.CN)
    const backend = net.connect(echo.port, '127.0.0.1')
    socket.pipe(backend).pipe(socket)
    socket.on('error', () => backend.destroy())
    backend.on('error', () => socket.destroy())
  })
  server.on('tlsClientError', () => {})
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    url: `wss://localhost:${server.address().port}/`,
    authorized,
    close: () => { server.close(); echo.close() }
  })))
}

test('mutual TLS: a client certificate and encrypted key as PEM text with the passphrase open; without one, or with a wrong passphrase, named failures', async () => {
  const client = makeClientCertificate()
  const server = await mutualTlsServer(client.caPem)
  const withCertificate = createRuntime({
    network: { caPem: certPem, clientCertificatePem: client.certPem, clientKeyPem: client.keyPem, clientKeyPassphrase: client.passphrase }
  })
  const without = createRuntime({ network: { caPem: certPem } })
  const wrongPassphrase = createRuntime({
    network: { caPem: certPem, clientCertificatePem: client.certPem, clientKeyPem: client.keyPem, clientKeyPassphrase: 'open barley' }
  })
  try {
    const open = await openOnce(withCertificate, server.url)
    assert.ok(open.profile, 'opened')
    assert.deepEqual(server.authorized, ['minisock client'])
    const refused = await openOnce(without, server.url)
    assert.equal(refused.code, 1006)
    assert.match(refused.errMsg, /client certificate/)
    const badKey = await openOnce(wrongPassphrase, server.url)
    assert.equal(badKey.code, 1006)
    assert.match(badKey.errMsg, /passphrase/)
    assert.ok(!badKey.errMsg.includes('open barley'), badKey.errMsg)
    assert.deepEqual(server.authorized, ['minisock client'], 'only the first was accepted')
  } finally {
    withCertificate.destroy()
    without.destroy()
    wrongPassphrase.destroy()
    server.close()
  }
})

test('TLS settings of the wrong form throw a TypeError from createRuntime naming them', () => {
  const cases = [
    [{ pinnedPublicKeys: ['sha1//abc'] }, /public-key pin 'sha1\/\/abc' is not valid/],
    [{ pinnedPublicKeys: 'sha256//x' }, /network.pinnedPublicKeys should be Array instead of String/],
    [{ pinnedPublicKeys: [7] }, /network.pinnedPublicKeys\[0\] should be String instead of Number/],
    [{ tlsSessionResumption: 'yes' }, /network.tlsSessionResumption should be Boolean instead of String/],
    [{ caPem: 5 }, /network.caPem should be String instead of Number/],
    [{ clientCertificateFile: 'a.pem', clientCertificatePem: 'x', clientKeyFile: 'k' }, /not both/],
    [{ clientCertificatePem: certPem }, /needs its private key/],
    [{ clientKeyPassphrase: 'secret' }, /there is no client key/]
  ]
  for (const [network, message] of cases) {
    assert.throws(() => createRuntime({ network }), (e) => {
      assert.ok(e instanceof TypeError, String(e))
      assert.match(e.message, message)
      assert.ok(!e.message.includes('secret'), e.message)
      return true
    }, JSON.stringify(network))
  }
})
