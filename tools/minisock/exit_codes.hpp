#pragma once
/// @file The CLI's exit statuses (the sysexits.h values) and the mapping from library errors.

#include <minisock/errors.hpp>

namespace minisock::cli {

/// The connection ended normally (or the command did what it was asked).
inline constexpr int kExitOk = 0;
/// Bad command line: unknown flag, missing argument, invalid URL, address, header or port.
inline constexpr int kExitUsage = 64;
/// Network failure: refused, reset, timeout, unknown host, TLS failure, cannot listen.
inline constexpr int kExitUnavailable = 69;
/// Refused by the connection policy (errCode -3).
inline constexpr int kExitNoPermission = 77;

/// The exit status for an Error event that ended a client: 77 for a policy refusal (errCode
/// -3), 64 for an address or port the library calls invalid (errCode 1 or 2, except a host
/// name that did not resolve, which is a network failure), else 69.
int exitCodeFor(const ErrorEvent& error);

/// The --help footer that lists the exit statuses.
const char* exitCodesHelp();

}  // namespace minisock::cli
