# WebSocket test fixtures and misbehaving-server tests.
# Included from tests/CMakeLists.txt. Targets defined here:
#   minisock_ws_test_support  (tests/support/ws_scripted_server.cpp, tls_fixture.cpp, tls_relay.cpp)
#   minisock_ws_bad_server_tests (tests/integration/ws_bad_server_test.cpp)

# Scripted (misbehaving) WebSocket server on raw POSIX sockets, a TLS terminator that puts it
# behind wss (OpenSSL), and throwaway TLS files made with the openssl tool.
add_library(minisock_ws_test_support STATIC support/proxy_servers.cpp support/tls_fixture.cpp
                                             support/tls_relay.cpp support/ws_scripted_server.cpp)
target_include_directories(minisock_ws_test_support PUBLIC support)
target_link_libraries(minisock_ws_test_support PUBLIC minisock_test_support OpenSSL::SSL OpenSSL::Crypto
                                                      minisock_warnings minisock_sanitize)

# The WebSocket client against bad servers (and wss against the embedded WsEchoServer).
add_executable(minisock_ws_bad_server_tests integration/ws_bad_server_test.cpp)
target_link_libraries(minisock_ws_bad_server_tests PRIVATE minisock minisock_servers minisock_ws_test_support
                                                           GTest::gtest_main minisock_warnings minisock_sanitize)
gtest_discover_tests(minisock_ws_bad_server_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120 LABELS integration)

# Fault injection (issue 7): stalled readers, close-then-send, oversize, TLS 1.0, churn, threads.
add_executable(minisock_fault_tests integration/faults_test.cpp)
target_link_libraries(minisock_fault_tests PRIVATE minisock minisock_servers minisock_ws_test_support OpenSSL::SSL
                                                   GTest::gtest_main minisock_warnings minisock_sanitize)
# COST: the suite with the long cases (up to the whole close's 15 s), started first.
gtest_discover_tests(minisock_fault_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 300 LABELS integration
                     COST 10)

# RFC 6455 client conformance, case by case in the manner of Autobahn|Testsuite's fuzzing
# server (tests/integration/ws_conformance_test.cpp). zlib (when found) makes the raw-deflate
# payloads of the permessage-deflate cases.
add_executable(minisock_ws_conformance_tests integration/ws_conformance_test.cpp)
target_link_libraries(minisock_ws_conformance_tests PRIVATE minisock minisock_servers minisock_ws_test_support
                                                            GTest::gtest_main minisock_warnings minisock_sanitize)
find_package(ZLIB QUIET)
if(ZLIB_FOUND)
  target_link_libraries(minisock_ws_conformance_tests PRIVATE ZLIB::ZLIB)
  target_compile_definitions(minisock_ws_conformance_tests PRIVATE MINISOCK_TEST_HAVE_ZLIB=1)
endif()
gtest_discover_tests(minisock_ws_conformance_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120 LABELS integration)

# Proxies (NetworkOptions): TCP, ws and wss through tinyproxy and microsocks started on loopback,
# and scripted misbehaving proxies.
add_executable(minisock_proxy_tests integration/proxy_test.cpp)
target_link_libraries(minisock_proxy_tests PRIVATE minisock minisock_servers minisock_ws_test_support
                                                   GTest::gtest_main minisock_warnings minisock_sanitize)
gtest_discover_tests(minisock_proxy_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120 LABELS integration)

# TLS extensions (NetworkOptions): client certificates, CAs as text, pins, session resumption,
# against OpenSSL servers (TlsRelay) with a CA made at test time.
add_executable(minisock_tls_extensions_tests integration/tls_extensions_test.cpp)
target_link_libraries(minisock_tls_extensions_tests PRIVATE minisock minisock_servers minisock_ws_test_support
                                                            GTest::gtest_main minisock_warnings minisock_sanitize)
gtest_discover_tests(minisock_tls_extensions_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120 LABELS integration)
