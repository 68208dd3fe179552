#include "options.hpp"

#include <cmath>
#include <cstdlib>

#include "exit_codes.hpp"
#include "output.hpp"

namespace minisock::cli {

Policy CommonOptions::makePolicy() const {
  Policy result = policy == "release"        ? Policy::release()
                  : policy == "unrestricted" ? Policy::unrestricted()
                                             : Policy::development();
  if (!caFile.empty()) result.caFile = caFile;
  return result;
}

namespace {

// The first of `names` set (and not empty) in the environment, with its name.
std::optional<std::pair<std::string, std::string>> firstEnv(
    std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::make_pair(std::string(name), value);
  }
  return std::nullopt;
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::optional<NetworkOptions> CommonOptions::makeNetwork(std::string_view scheme,
                                                         Output& out) const {
  NetworkOptions network;
  std::string source = "--proxy";
  std::string noProxySource;
  if (!proxy.empty()) {
    network.proxy = proxy;
  } else {
    std::optional<std::pair<std::string, std::string>> found;
    // As curl: lower-case http_proxy only (HTTP_PROXY can be set by a CGI request's header).
    if (scheme == "wss") found = firstEnv({"HTTPS_PROXY", "https_proxy"});
    if (scheme == "ws") found = firstEnv({"http_proxy"});
    if (!found) found = firstEnv({"ALL_PROXY", "all_proxy"});
    if (found) {
      source = "the environment variable " + found->first;
      network.proxy = found->second;
    }
  }
  // As curl: NO_PROXY applies to a proxy given by flag too; --noproxy overrides it. An entry
  // of NO_PROXY that cannot be used (e.g. '*.local', 'host:port': other programs' forms) is
  // left out with a warning, as curl ignores it; --noproxy, written for minisock, is strict.
  if (noProxy) {
    noProxySource = "--noproxy";
    network.noProxy = splitList(*noProxy);
  } else if (auto list = firstEnv({"NO_PROXY", "no_proxy"}); list && !network.proxy.empty()) {
    noProxySource = "the environment variable " + list->first;
    for (std::string& entry : splitList(list->second)) {
      NetworkOptions one;
      one.noProxy = {entry};
      if (std::string bad = one.check(); bad.empty())
        network.noProxy.push_back(std::move(entry));
      else
        out.warning(noProxySource + ": " + bad + "; ignored");
    }
  }
  network.clientCertificateFile = certFile;
  network.clientKeyFile = keyFile;
  if (!keyPassphraseEnv.empty()) {
    const char* passphrase = std::getenv(keyPassphraseEnv.c_str());
    if (passphrase == nullptr) {
      out.failure("--key-passphrase-env " + keyPassphraseEnv + ": the variable is not set");
      return std::nullopt;
    }
    network.clientKeyPassphrase = passphrase;
  }
  network.pinnedPublicKeys = pins;
  // The proxy and the no-proxy list checked alone first, so that a problem names its source.
  NetworkOptions proxyOnly, listOnly;
  proxyOnly.proxy = network.proxy;
  listOnly.noProxy = network.noProxy;
  for (const auto& [part, from] : {std::pair{&proxyOnly, &source}, {&listOnly, &noProxySource}}) {
    if (std::string bad = part->check(); !bad.empty()) {
      out.failure(*from + ": " + bad);
      return std::nullopt;
    }
  }
  if (std::string bad = network.check(); !bad.empty()) {
    out.failure(bad);
    return std::nullopt;
  }
  return network;
}

std::chrono::milliseconds CommonOptions::timeoutOr(std::chrono::milliseconds fallback) const {
  return timeoutSeconds > 0 ? toMilliseconds(timeoutSeconds) : fallback;
}

std::chrono::milliseconds toMilliseconds(double seconds) {
  if (seconds <= 0) return std::chrono::milliseconds(0);
  // At least 1 ms: a positive --timeout must not round down to "invalid".
  return std::chrono::milliseconds(
      std::max<long long>(1, std::llround(std::min(seconds, 1e9) * 1000.0)));
}

void addCommonOptions(CLI::App& command, CommonOptions& options, CommonFlags flags) {
  if (flags.policy) {
    command
        .add_option("--policy", options.policy,
                    "Connection policy: release (all the platform's rules), development (its "
                    "blocked ports and quotas, loopback allowed) or unrestricted (no rule)")
        ->check(CLI::IsMember({"release", "development", "unrestricted"}))
        ->capture_default_str();
  }
  command.add_flag("--json", options.json,
                   "Print one JSON object per event on stdout (NDJSON), for scripts");
  if (flags.timeout) {
    command
        .add_option("--timeout", options.timeoutSeconds,
                    "Connect/handshake timeout in seconds (default: the library's, 2 s for TCP "
                    "and 60 s, the maximum, for WebSocket)")
        ->check(CLI::PositiveNumber);
  }
  command.add_flag("-q,--quiet", options.quiet, "No status or progress lines on stderr");
  command.footer(exitCodesHelp());
}

void addProxyOption(CLI::App& command, CommonOptions& options) {
  command.add_option("--proxy", options.proxy,
                     "Connect through this proxy: http://[user:pass@]host[:port] (HTTP CONNECT) "
                     "or socks5://[user:pass@]host[:port]. Default: HTTPS_PROXY (wss), "
                     "http_proxy (ws), then ALL_PROXY");
  command.add_option("--noproxy", options.noProxy,
                     "Destinations reached directly, not through the proxy: comma-separated "
                     "names (with their subdomains), IP addresses, CIDR blocks or *. Default: "
                     "NO_PROXY, which applies to --proxy too (as curl)");
}

void addTlsOptions(CLI::App& command, CommonOptions& options) {
  command
      .add_option("--cert", options.certFile,
                  "Client certificate (PEM file, with any intermediates) for servers that ask "
                  "for one (mutual TLS); needs --key")
      ->check(CLI::ExistingFile);
  command.add_option("--key", options.keyFile, "The client certificate's private key (PEM file)")
      ->check(CLI::ExistingFile);
  command.add_option("--key-passphrase-env", options.keyPassphraseEnv,
                     "Name of the environment variable holding the passphrase of an encrypted "
                     "--key (never on the command line)");
  command
      .add_option("--pin", options.pins,
                  "Also require this public key in the server's chain: sha256//BASE64 of its "
                  "SubjectPublicKeyInfo, as curl's --pinnedpubkey (repeatable)")
      ->allow_extra_args(false);
}

void addWaitOption(CLI::App& command, double& seconds) {
  command
      .add_option("--wait", seconds,
                  "After the end of stdin, keep printing what arrives until this many seconds "
                  "pass without data, then close")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

}  // namespace minisock::cli
