# Project-wide compile options, applied to our own targets only.
add_library(ev_options INTERFACE)
target_compile_options(ev_options INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wno-sign-conversion -Wnull-dereference -Wformat=2
  # g++ 12 reports false -Wrestrict positives inside std::string at -O3 (GCC PR 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(EV_WERROR)
  target_compile_options(ev_options INTERFACE -Werror)
endif()
if(EV_SANITIZE OR EV_FUZZ)
  target_compile_options(ev_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(ev_options INTERFACE -fsanitize=address,undefined)
endif()
if(EV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "EV_FUZZ needs clang (cmake -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  target_compile_options(ev_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# ev_module(<name> [DEPS_PUBLIC ...] [DEPS_PRIVATE ...] [EXCLUDE src/file.cpp ...])
# A static library from src/*.cpp (less EXCLUDE, which another target builds) with include/ as its
# public include directory.
function(ev_module name)
  cmake_parse_arguments(M "" "" "DEPS_PUBLIC;DEPS_PRIVATE;EXCLUDE" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  foreach(x ${M_EXCLUDE})
    list(REMOVE_ITEM srcs "${CMAKE_CURRENT_SOURCE_DIR}/${x}")
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_link_libraries(${name} PUBLIC ${M_DEPS_PUBLIC} PRIVATE ev_options ${M_DEPS_PRIVATE})
  target_compile_features(${name} PUBLIC cxx_std_20)
endfunction()

# ev_add_test(<name> SOURCES ... LIBS ... [LABELS ...])
# A Catch2 test executable linking only what it tests; each TEST_CASE becomes a ctest entry.
function(ev_add_test name)
  if(NOT EV_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ev_catch_main ev_test_support ev_options ${T_LIBS})
  set(labels unit)
  if(T_LABELS)
    set(labels ${T_LABELS})
  endif()
  catch_discover_tests(${name} TEST_PREFIX "${name}: " PROPERTIES LABELS "${labels}"
    SKIP_RETURN_CODE 77)
endfunction()

# ev_add_fuzzer(<name> SOURCES ... LIBS ...): a libFuzzer target, only with EV_FUZZ. It is also
# a ctest test (label "fuzz") that runs for EV_FUZZ_SECONDS from the seeds in
# <module>/fuzz/corpus/<name>/ (copied into the build tree, so the seeds are never modified).
set(EV_FUZZ_SECONDS 30 CACHE STRING "Seconds each fuzz target runs under ctest")
function(ev_add_fuzzer name)
  if(NOT EV_FUZZ)
    return()
  endif()
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ev_options ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set(seeds "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}")
  set(work "${CMAKE_CURRENT_BINARY_DIR}/corpus-${name}")
  add_test(NAME "fuzz: ${name}"
    COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${name}> -DSEEDS=${seeds} -DWORK=${work}
            -DSECONDS=${EV_FUZZ_SECONDS} -P "${CMAKE_SOURCE_DIR}/cmake/RunFuzzer.cmake")
  set_tests_properties("fuzz: ${name}" PROPERTIES LABELS fuzz TIMEOUT 0)
endfunction()

# ev_module_tests(<name> LIBS ...): one Catch2 executable from the module's tests/*_test.cpp.
function(ev_module_tests name)
  cmake_parse_arguments(T "" "" "LIBS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/*_test.cpp")
  if(srcs)
    ev_add_test(${name} SOURCES ${srcs} LIBS ${T_LIBS} LABELS ${T_LABELS})
  endif()
endfunction()

# ev_module_conformance(<name> LIBS ...): one Catch2 executable, labelled "conformance", from the
# module's tests/conformance/*_test.cpp (known-answer tests against ../shared/vectors).
function(ev_module_conformance name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/conformance/*_test.cpp")
  if(srcs)
    ev_add_test(${name} SOURCES ${srcs} LIBS ${T_LIBS} simdjson::simdjson LABELS conformance)
  endif()
endfunction()

# ev_module_fuzzers(LIBS ...): one libFuzzer target per <module>/fuzz/fuzz_*.cpp, named after
# the file; its seeds live in <module>/fuzz/corpus/<name>/.
function(ev_module_fuzzers)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_*.cpp")
  foreach(src ${srcs})
    get_filename_component(name "${src}" NAME_WE)
    ev_add_fuzzer(${name} SOURCES ${src} LIBS ${F_LIBS})
  endforeach()
endfunction()
