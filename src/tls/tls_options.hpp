#pragma once
// The TLS extensions' settings (NetworkOptions' wss fields) checked for form, and public-key
// pins: their syntax and the pin of a certificate's key. No I/O.

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "minisock/network.hpp"

namespace minisock::detail {

/// The problem of one pin's form ("sha256//" + base64 of 32 bytes), or empty.
std::string pinProblem(std::string_view pin);

/// The first problem of the TLS fields' form (both a file and PEM text given, a key without a
/// certificate or the reverse, a pin of the wrong form), or empty.
std::string tlsSettingsProblem(const NetworkOptions& network);

/// "sha256//BASE64" of the certificate's SubjectPublicKeyInfo; empty if it has none.
std::string publicKeyPin(X509* certificate);

}  // namespace minisock::detail
