# Tests of the `minisock` command-line tool (tools/minisock), driving the built binary as a
# user would. Included from tests/CMakeLists.txt when the tool is built. Targets defined here:
#   minisock_cli_tests (tests/integration/cli_test.cpp, tests/support/fake_autobahn.cpp)

if(NOT TARGET minisock_cli)
  return()  # the tool is not built (MINISOCK_BUILD_TOOLS=OFF)
endif()
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json)

# The fake Autobahn fuzzing server uses Beast and Asio, compiled once inside the minisock
# library: minisock_asio_config gives the same separate-compilation definitions.
add_executable(minisock_cli_tests integration/cli_test.cpp support/fake_autobahn.cpp)
target_compile_definitions(minisock_cli_tests PRIVATE MINISOCK_CLI_PATH="$<TARGET_FILE:minisock_cli>")
target_link_libraries(minisock_cli_tests PRIVATE minisock_internal minisock_asio_config minisock_test_support
                                                 minisock_ws_test_support
                                                 Boost::json GTest::gtest_main minisock_warnings
                                                 minisock_sanitize)
add_dependencies(minisock_cli_tests minisock_cli)
gtest_discover_tests(minisock_cli_tests DISCOVERY_MODE PRE_TEST PROPERTIES TIMEOUT 120 LABELS integration)
