# Writes version_info.hpp with the project version and the git revision of the source tree.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR rev STREQUAL "")
  set(rev "unknown")
endif()
set(text "// Generated at build time by tools/cmake/version_info.cmake; do not edit.
#pragma once
namespace magsim::engine {
inline constexpr const char* kVersion = \"${VERSION}\";
inline constexpr const char* kGitRevision = \"${rev}\";
}  // namespace magsim::engine
")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
