# Compiler options shared by every target of the project, as INTERFACE targets so that each
# target opts in with target_link_libraries() and nothing leaks through global flags.
add_library(cutover_options INTERFACE)
target_compile_options(cutover_options INTERFACE
  -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC's local-only shadowing check; clang has no such flag and would reject it.
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
  # GCC 12 at -O2 reports std::optional's payload as "maybe uninitialized" where it cannot be
  # (a known false positive family); keep it from failing -Werror builds.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
if(CUTOVER_WERROR)
  target_compile_options(cutover_options INTERFACE -Werror)
endif()
target_compile_definitions(cutover_options INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_USE_QSTRINGBUILDER QT_NO_FOREACH
  QT_NO_URL_CAST_FROM_STRING QT_NO_CAST_FROM_BYTEARRAY
  CUTOVER_VERSION="${PROJECT_VERSION}")
if(CUTOVER_SANITIZE)
  target_compile_options(cutover_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                   -fno-sanitize-recover=undefined)
  target_link_options(cutover_options INTERFACE -fsanitize=address,undefined)
endif()

# GNU ld takes seconds per test executable; lld (scripts/deps.sh installs it) a fraction of that,
# and CI links some sixty executables twice.
find_program(CUTOVER_LLD ld.lld)
if(CUTOVER_LLD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_link_options(cutover_options INTERFACE -fuse-ld=lld)
endif()
