#include "tls_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace minisock::testing {
namespace {

// The directory removed at exit, and the process that made it (a forked child exiting must not
// remove its parent's files). Plain storage: the atexit handler may run after static
// destructors.
char g_dir[4096] = {};
pid_t g_owner = 0;

void removeTlsDir() {
  if (g_dir[0] == '\0' || ::getpid() != g_owner) return;
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
  g_dir[0] = '\0';
}

std::string describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("tls fixture: cannot write " + path);
}

void run(const std::vector<std::string>& argv) {
  CommandResult r = runCommand(argv, std::chrono::seconds(60));
  if (r.exitCode != 0)
    throw std::runtime_error("tls fixture: command failed (exit " + std::to_string(r.exitCode) +
                             (r.timedOut ? ", timed out" : "") + "): " + describe(argv) + "\n" +
                             r.output);
}

constexpr const char* kConfig = R"(# minisock test certificates
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[intermediate_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wrong_host_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

TlsFiles generateIn(const std::string& dir);

// A key and a certificate for it signed by `caCert`/`caKey` with `extensions` of kConfig.
void makeSigned(const std::string& config, const std::string& caCert, const std::string& caKey,
                const std::string& cert, const std::string& key, const std::string& cn,
                const std::string& extensions, int serial, int days = 1) {
  const std::string csr = cert + ".csr";
  run({"openssl", "req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-noenc", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn});
  run({"openssl",
       "x509",
       "-req",
       "-in",
       csr,
       "-CA",
       caCert,
       "-CAkey",
       caKey,
       "-set_serial",
       std::to_string(serial),
       "-days",
       std::to_string(days),
       "-sha256",
       "-extfile",
       config,
       "-extensions",
       extensions,
       "-out",
       cert});
}

MoreTlsFiles generateMore(const TlsFiles& base) {
  const std::string& dir = base.dir;
  const std::string config = dir + "/openssl.cnf";
  const std::string caKey = dir + "/ca.key";
  MoreTlsFiles m;
  m.clientCert = dir + "/client.pem";
  m.clientKey = dir + "/client.key";
  m.clientKeyEncrypted = dir + "/client-encrypted.key";
  m.otherCaClientCert = dir + "/other-client.pem";
  m.otherCaClientKey = dir + "/other-client.key";
  m.intermediateCaCert = dir + "/intermediate.pem";
  m.chainedServerCert = dir + "/chained-server.pem";
  m.chainedServerKey = dir + "/chained-server.key";
  makeSigned(config, base.caCert, caKey, m.clientCert, m.clientKey, "minisock test client",
             "client_ext", 10);
  run({"openssl", "pkey", "-in", m.clientKey, "-aes256", "-passout",
       std::string("pass:") + MoreTlsFiles::kKeyPassphrase, "-out", m.clientKeyEncrypted});
  makeSigned(config, base.otherCaCert, dir + "/other-ca.key", m.otherCaClientCert,
             m.otherCaClientKey, "minisock other client", "client_ext", 11);
  const std::string intermediateKey = dir + "/intermediate.key";
  makeSigned(config, base.caCert, caKey, m.intermediateCaCert, intermediateKey,
             "minisock test intermediate CA", "intermediate_ext", 12);
  const std::string leaf = dir + "/chained-leaf.pem";
  makeSigned(config, m.intermediateCaCert, intermediateKey, leaf, m.chainedServerKey, "localhost",
             "server_ext", 13);
  writeFile(m.chainedServerCert, readTextFile(leaf) + readTextFile(m.intermediateCaCert));
  return m;
}

TlsFiles generate() {
  std::string pattern = (std::filesystem::temp_directory_path() / "minisock-tls-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("tls fixture: mkdtemp failed: " + std::string(std::strerror(errno)));
  const std::string dir = pattern;
  // Removed at exit; on a failure below, at once (a later call makes a fresh directory).
  if (dir.size() < sizeof g_dir) {
    std::memcpy(g_dir, dir.c_str(), dir.size() + 1);
    g_owner = ::getpid();
    static const bool registered = std::atexit(removeTlsDir) == 0;
    (void)registered;
  }
  try {
    return generateIn(dir);
  } catch (...) {
    removeTlsDir();
    throw;
  }
}

TlsFiles generateIn(const std::string& dir) {
  TlsFiles f;
  f.dir = dir;
  f.caCert = dir + "/ca.pem";
  f.serverCert = dir + "/server.pem";
  f.serverKey = dir + "/server.key";
  f.expiredCert = dir + "/expired.pem";
  f.expiredKey = dir + "/expired.key";
  f.wrongHostCert = dir + "/wrong-host.pem";
  f.wrongHostKey = dir + "/wrong-host.key";
  f.otherCaCert = dir + "/other-ca.pem";
  const std::string config = dir + "/openssl.cnf";
  const std::string caKey = dir + "/ca.key";
  writeFile(config, kConfig);

  auto makeCa = [&](const std::string& cert, const std::string& key, const std::string& cn) {
    run({"openssl",   "req",         "-x509",
         "-config",   config,        "-newkey",
         "ec",        "-pkeyopt",    "ec_paramgen_curve:P-256",
         "-noenc",    "-keyout",     key,
         "-out",      cert,          "-sha256",
         "-days",     "2",           "-subj",
         "/CN=" + cn, "-extensions", "ca_ext"});
  };
  // days < 0 gives notAfter = now - |days| (and notBefore = now): expired, which OpenSSL 3.0
  // reports as "certificate has expired" (checked by WsFixtures.TlsFilesVerify).
  auto makeLeaf = [&](const std::string& cert, const std::string& key, const std::string& cn,
                      const std::string& extensions, int days, int serial) {
    makeSigned(config, f.caCert, caKey, cert, key, cn, extensions, serial, days);
  };

  makeCa(f.caCert, caKey, "minisock test CA");
  makeCa(f.otherCaCert, dir + "/other-ca.key", "minisock other test CA");
  makeLeaf(f.serverCert, f.serverKey, "localhost", "server_ext", 1, 2);
  makeLeaf(f.expiredCert, f.expiredKey, "localhost", "server_ext", -1, 3);
  makeLeaf(f.wrongHostCert, f.wrongHostKey, "wrong.example", "wrong_host_ext", 1, 4);
  return f;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  if (argv.empty()) throw std::runtime_error("runCommand: empty argv");
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error("runCommand: pipe2 failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  if (rc != 0) {
    ::close(pipeFds[0]);
    throw std::runtime_error("runCommand: cannot start '" + describe(argv) +
                             "': " + std::strerror(rc));
  }

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto remainingMs = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
  };
  // A pidfd tells when the child exits (poll). Through syscall(): glibc 2.36's <sys/pidfd.h>
  // lacks extern "C". -1 on old kernels: then waitpid after the output ends.
  const int pidFd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool eof = false;
  bool exited = false;
  char buf[4096];
  while (!(eof && (exited || pidFd < 0))) {
    const int left = remainingMs();
    if (left == 0) {
      result.timedOut = true;
      break;
    }
    pollfd p[2] = {{eof ? -1 : pipeFds[0], POLLIN, 0}, {exited ? -1 : pidFd, POLLIN, 0}};
    const int n = ::poll(p, 2, left);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (p[0].revents != 0) {
      const ssize_t got = ::read(pipeFds[0], buf, sizeof buf);
      if (got > 0)
        result.output.append(buf, static_cast<std::size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        eof = true;
    }
    if (p[1].revents != 0) exited = true;
  }
  ::close(pipeFds[0]);
  if (pidFd >= 0) ::close(pidFd);

  if (result.timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (!result.timedOut && waited == pid && WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
  return result;
}

const TlsFiles& tlsFiles() {
  static const TlsFiles files = generate();
  return files;
}

const MoreTlsFiles& moreTlsFiles() {
  static const MoreTlsFiles files = generateMore(tlsFiles());
  return files;
}

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace minisock::testing
