// createRuntime's policy: minisock::Policy's fields, listed once. The same table reads a
// policy from JavaScript (toPolicy), writes one back (policyValue) and is exported as
// native.POLICY_FIELDS ({name: kind}), which lib/policy.js checks values against.
// And createRuntime's `network` (minisock::NetworkOptions' proxy fields): read by toNetwork,
// checked beforehand by lib/network.js through networkProblem (NetworkOptions::check()).
#include <chrono>
#include <variant>

#include "addon.hpp"

namespace minisock::node {

namespace {

using Member =
    std::variant<std::vector<PortRange> Policy::*, int Policy::*, std::chrono::seconds Policy::*,
                 bool Policy::*, std::vector<std::string> Policy::*, std::size_t Policy::*,
                 std::string Policy::*>;

struct Field {
  const char* name;
  const char*
      kind;  ///< lib/policy.js's check: ports, count, seconds, boolean, strings, size, string
  Member member;
};

const Field kFields[] = {
    {"blockedTCPPorts", "ports", &Policy::blockedTCPPorts},
    {"maxTCPSocketsPerWindow", "count", &Policy::maxTCPSocketsPerWindow},
    {"tcpSocketWindow", "seconds", &Policy::tcpSocketWindow},
    {"enforceDomainList", "boolean", &Policy::enforceDomainList},
    {"allowedDomains", "strings", &Policy::allowedDomains},
    {"lanAddressesOnly", "boolean", &Policy::lanAddressesOnly},
    {"allowOwnAddresses", "boolean", &Policy::allowOwnAddresses},
    {"blockedWebSocketPorts", "ports", &Policy::blockedWebSocketPorts},
    {"maxWebSockets", "count", &Policy::maxWebSockets},
    {"allowInsecureWebSocket", "boolean", &Policy::allowInsecureWebSocket},
    {"maxWebSocketMessageSize", "size", &Policy::maxWebSocketMessageSize},
    {"maxUDPMessageSize", "size", &Policy::maxUDPMessageSize},
    {"verifyCertificates", "boolean", &Policy::verifyCertificates},
    {"caFile", "string", &Policy::caFile},
};

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// Reads `value` (checked by lib/policy.js) into the field.
void read(napi_env env, napi_value value, Policy& p, const Member& member) {
  std::visit(
      Overloaded{
          [&](std::vector<PortRange> Policy::*m) {
            auto& ranges = p.*m;
            ranges.clear();
            for (std::uint32_t i = 0, n = arrayLength(env, value); i < n; ++i) {
              napi_value pair = element(env, value, i);
              ranges.push_back(
                  {toInt(env, element(env, pair, 0)), toInt(env, element(env, pair, 1))});
            }
          },
          [&](int Policy::*m) { p.*m = toInt(env, value); },
          [&](std::chrono::seconds Policy::*m) {
            p.*m = std::chrono::seconds(static_cast<std::int64_t>(toNumber(env, value)));
          },
          [&](bool Policy::*m) { p.*m = toBool(env, value); },
          [&](std::vector<std::string> Policy::*m) {
            auto& list = p.*m;
            list.clear();
            for (std::uint32_t i = 0, n = arrayLength(env, value); i < n; ++i)
              list.push_back(toString(env, element(env, value, i)));
          },
          [&](std::size_t Policy::*m) { p.*m = static_cast<std::size_t>(toNumber(env, value)); },
          [&](std::string Policy::*m) { p.*m = toString(env, value); },
      },
      member);
}

napi_value write(napi_env env, const Policy& p, const Member& member) {
  return std::visit(
      Overloaded{
          [&](std::vector<PortRange> Policy::*m) {
            const auto& ranges = p.*m;
            napi_value array;
            check(napi_create_array_with_length(env, ranges.size(), &array));
            for (std::uint32_t i = 0; i < ranges.size(); ++i) {
              napi_value pair;
              check(napi_create_array_with_length(env, 2, &pair));
              check(napi_set_element(env, pair, 0, makeInt(env, ranges[i].first)));
              check(napi_set_element(env, pair, 1, makeInt(env, ranges[i].last)));
              check(napi_set_element(env, array, i, pair));
            }
            return array;
          },
          [&](int Policy::*m) { return makeInt(env, p.*m); },
          [&](std::chrono::seconds Policy::*m) {
            return makeNumber(env, static_cast<double>((p.*m).count()));
          },
          [&](bool Policy::*m) { return makeBool(env, p.*m); },
          [&](std::vector<std::string> Policy::*m) {
            const auto& list = p.*m;
            napi_value array;
            check(napi_create_array_with_length(env, list.size(), &array));
            for (std::uint32_t i = 0; i < list.size(); ++i)
              check(napi_set_element(env, array, i, makeString(env, list[i])));
            return array;
          },
          [&](std::size_t Policy::*m) { return makeNumber(env, static_cast<double>(p.*m)); },
          [&](std::string Policy::*m) { return makeString(env, p.*m); },
      },
      member);
}

}  // namespace

// `spec` is normalised by lib/policy.js: {base, ...fields of the right kinds}.
Policy toPolicy(napi_env env, napi_value spec) {
  const std::string base = toString(env, getProp(env, spec, "base"));
  Policy p = base == "release"        ? Policy::release()
             : base == "unrestricted" ? Policy::unrestricted()
                                      : Policy::development();
  for (const Field& field : kFields) {
    if (napi_value value = optionalProp(env, spec, field.name)) read(env, value, p, field.member);
  }
  return p;
}

napi_value policyValue(napi_env env, const Policy& p) {
  napi_value obj = makeObject(env);
  for (const Field& field : kFields) setProp(env, obj, field.name, write(env, p, field.member));
  return obj;
}

NetworkOptions toNetwork(napi_env env, napi_value spec) {
  NetworkOptions network;
  auto strings = [&](const char* name, std::vector<std::string>& out) {
    if (napi_value list = optionalProp(env, spec, name)) {
      for (std::uint32_t i = 0, n = arrayLength(env, list); i < n; ++i)
        out.push_back(toString(env, element(env, list, i)));
    }
  };
  struct StringField {
    const char* name;
    std::string NetworkOptions::*member;
  };
  static constexpr StringField kStrings[] = {
      {"proxy", &NetworkOptions::proxy},
      {"caPem", &NetworkOptions::caPem},
      {"clientCertificateFile", &NetworkOptions::clientCertificateFile},
      {"clientCertificatePem", &NetworkOptions::clientCertificatePem},
      {"clientKeyFile", &NetworkOptions::clientKeyFile},
      {"clientKeyPem", &NetworkOptions::clientKeyPem},
      {"clientKeyPassphrase", &NetworkOptions::clientKeyPassphrase},
  };
  for (const StringField& field : kStrings) {
    if (napi_value value = optionalProp(env, spec, field.name))
      network.*field.member = toString(env, value);
  }
  strings("noProxy", network.noProxy);
  strings("pinnedPublicKeys", network.pinnedPublicKeys);
  if (napi_value resume = optionalProp(env, spec, "tlsSessionResumption"))
    network.tlsSessionResumption = toBool(env, resume);
  return network;
}

namespace {

// networkProblem(spec) -> '' or the first problem of these settings, in minisock's words
// (NetworkOptions::check(): never the credentials).
napi_value networkProblem(const Args& args) {
  return makeString(args.env(), toNetwork(args.env(), args[0]).check());
}

}  // namespace

void registerPolicy(napi_env env, napi_value exports) {
  exportFunction(env, exports, "networkProblem", entry<networkProblem>);
  napi_value fields = makeObject(env);
  for (const Field& field : kFields) setProp(env, fields, field.name, makeString(env, field.kind));
  check(napi_object_freeze(env, fields));
  setProp(env, exports, "POLICY_FIELDS", fields);
}

}  // namespace minisock::node
