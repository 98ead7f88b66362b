# ctest Install.EmbedExampleBuildsAgainstTheInstalledTree (CMakeLists.txt, Install):
#   cmake -DBUILD=build -DSRC=. -DWORK=build/install-test -DGENERATOR=... -P embed_test.cmake
# installs the build into WORK/prefix, checks the installed package (headers, command, no path of
# the source or build tree in the exported CMake files), builds examples/embed against it with
# find_package(magsim), and checks that its serum Mg at the end of scenarios/healthy_adult.yaml is
# the one the installed `magsim run` prints, and that a bad scenario gets FILE:LINE:COL: error.
foreach(v BUILD SRC WORK GENERATOR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "embed_test.cmake: -D${v}=... is required")
  endif()
endforeach()
set(prefix ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run_checked("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})

foreach(f bin/magsim lib/libmagsim_engine.a lib/libmagsim_model_magnesium.a lib/libmagsim_app.a
          include/magsim/engine/model/model.hpp include/magsim/engine/version_info.hpp
          include/magsim/models/magnesium/magnesium.hpp include/magsim/app/scenario_loading.hpp
          lib/cmake/magsim/magsimConfig.cmake lib/cmake/magsim/magsimConfigVersion.cmake
          lib/cmake/magsim/magsimTargets.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${prefix}/${f}")
  endif()
endforeach()
# The MPI library stays out (the CLI links it), and with it its header.
if(EXISTS ${prefix}/include/magsim/engine/sweep/mpi)
  message(FATAL_ERROR "include/magsim/engine/sweep/mpi is installed but its library is not")
endif()

# A relocatable package: the exported files name neither the source nor the build tree (the
# prefix lies inside the build tree, so this also rules out the absolute install prefix).
file(GLOB exported ${prefix}/lib/cmake/magsim/*.cmake)
foreach(f ${exported})
  file(READ ${f} text)
  foreach(tree ${SRC} ${BUILD})
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${f} names ${tree}: the installed package would depend on it")
    endif()
  endforeach()
endforeach()

run_checked("configuring examples/embed against ${prefix}"
  ${CMAKE_COMMAND} -S ${SRC}/examples/embed -B ${WORK}/embed -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${prefix})
run_checked("building examples/embed" ${CMAKE_COMMAND} --build ${WORK}/embed)

set(scenario ${SRC}/scenarios/healthy_adult.yaml)
run_checked("embed ${scenario}" ${WORK}/embed/embed ${scenario})
set(embed_output "${last_output}")
message(STATUS "embed printed:\n${embed_output}")
if(NOT embed_output MATCHES "\\(serum_mg_total\\) at ([0-9.eE+-]+) h: ([0-9.eE+-]+) mmol/L")
  message(FATAL_ERROR "embed did not print serum_mg_total with its unit:\n${embed_output}")
endif()
set(embed_end_h ${CMAKE_MATCH_1})
set(embed_serum ${CMAKE_MATCH_2})
# healthy_adult.yaml runs 52 w.
if(NOT embed_end_h EQUAL 8736)
  message(FATAL_ERROR "embed's last sample is at ${embed_end_h} h, expected 8736 h (52 w)")
endif()

run_checked("installed magsim run" ${prefix}/bin/magsim run ${scenario} -o ${WORK}/healthy_adult.h5)
if(NOT last_output MATCHES "serum Mg, end +([0-9.]+) mmol/L")
  message(FATAL_ERROR "magsim run printed no 'serum Mg, end':\n${last_output}")
endif()
set(cli_serum ${CMAKE_MATCH_1})
# The CLI prints 4 decimals: the two must agree to its rounding (the same engine and model).
# CMake has no floating-point arithmetic: round embed's value to 4 decimals with printf(1).
execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C printf "%.4f" ${embed_serum}
                OUTPUT_VARIABLE embed_rounded)
if(NOT embed_rounded STREQUAL cli_serum)
  message(FATAL_ERROR "embed: serum Mg ${embed_serum} mmol/L (${embed_rounded} rounded), "
                      "magsim run: ${cli_serum} mmol/L")
endif()

# A bad scenario: FILE:LINE:COL: error: on stderr and exit code 2, as `magsim check`.
set(bad ${SRC}/tests/bad_scenarios/unknown_drug.yaml)
execute_process(COMMAND ${WORK}/embed/embed ${bad} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 2 OR NOT err MATCHES "unknown_drug.yaml:[0-9]+:[0-9]+: error: ")
  message(FATAL_ERROR "embed ${bad}: exit ${rc}, expected 2 with FILE:LINE:COL: error:\n${err}")
endif()
message(STATUS "embed example: ${embed_serum} mmol/L at ${embed_end_h} h, magsim run: ${cli_serum} mmol/L")
