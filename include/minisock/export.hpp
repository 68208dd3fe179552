#pragma once
/// @file
/// MINISOCK_API: what the minisock libraries export.

/// Marks a class or function of the public API. The libraries are built with hidden
/// visibility, so a shared libminisock exports these declarations and nothing else (none of
/// Asio, Beast, OpenSSL or minisock's internals). On ELF platforms the same attribute serves
/// the library and its users.
#if defined(__GNUC__) || defined(__clang__)
#define MINISOCK_API __attribute__((visibility("default")))
#else
#define MINISOCK_API
#endif
