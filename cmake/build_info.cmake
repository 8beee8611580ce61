# The version and git commit behind `tuneprep --version`. A build step rewrites one generated
# .cpp when, and only when, the commit changed (cmake/scripts/write_build_info.cmake), so a new
# commit recompiles that one file and relinks: the reported commit is never stale and nothing else
# is rebuilt. Outside a git checkout the commit is "unknown".
set(_tp_build_info_source "${CMAKE_CURRENT_BINARY_DIR}/generated/build_info_values.cpp")
set(_tp_build_info_command ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}
  -DOUTPUT=${_tp_build_info_source} -DVERSION=${PROJECT_VERSION}
  -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/scripts/write_build_info.cmake)
execute_process(COMMAND ${_tp_build_info_command})  # so the file exists before the first build
add_custom_target(tuneprep_build_info COMMAND ${_tp_build_info_command}
  BYPRODUCTS ${_tp_build_info_source} COMMENT "" VERBATIM)
target_sources(tuneprep PRIVATE ${_tp_build_info_source})
add_dependencies(tuneprep tuneprep_build_info)
