# One helper for the library / unit-test triple (after userver's UserverModule):
#   colibri_library(<name> SOURCES ... DEPS ... [UNIT_TESTS ...])
# makes the static library colibri_<name> with alias colibri::<name>, public
# headers in include/, and one GoogleTest binary for the unit tests (no servers).
function(colibri_warnings target)
  # -Wmismatched-new-delete: g++ 12 false positive on Asio coroutine frame allocation.
  # -Wrestrict: g++ 12 false positive on std::string concatenation at -O2 (GCC bug 105329).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-mismatched-new-delete -Wno-restrict
                                           $<$<BOOL:${COLIBRI_WERROR}>:-Werror>)
endfunction()

function(colibri_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS;UNIT_TESTS" ${ARGN})
  add_library(colibri_${name} STATIC ${ARG_SOURCES})
  add_library(colibri::${name} ALIAS colibri_${name})
  target_include_directories(colibri_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(colibri_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  colibri_warnings(colibri_${name})
  if(COLIBRI_BUILD_TESTS AND ARG_UNIT_TESTS)
    add_executable(colibri_${name}_unit_tests ${ARG_UNIT_TESTS})
    target_link_libraries(colibri_${name}_unit_tests PRIVATE colibri::${name} GTest::gtest_main)
    colibri_warnings(colibri_${name}_unit_tests)
    add_test(NAME unit.${name} COMMAND colibri_${name}_unit_tests)
    set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 120)
  endif()
endfunction()

# An integration test binary: talks to a real PostgreSQL/Redis (and service
# binaries) that tests/support starts on free loopback ports.
function(colibri_integration_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(colibri_${name}_tests ${ARG_SOURCES})
  target_link_libraries(colibri_${name}_tests PRIVATE colibri::test_support ${ARG_DEPS} GTest::gtest_main)
  colibri_warnings(colibri_${name}_tests)
  add_test(NAME integration.${name} COMMAND colibri_${name}_tests)
  set_tests_properties(integration.${name} PROPERTIES LABELS integration TIMEOUT 600)
endfunction()

# A long-running service: linked with jemalloc when the build has it
# (docs/adr/0009-jemalloc.md).
function(colibri_service target)
  colibri_warnings(${target})
  if(TARGET PkgConfig::JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/libs/service/src/jemalloc_conf.cpp)
  endif()
endfunction()
