# Benchmarks: one executable per bench/*_bench.cpp, linked to the library (not run by ctest).
# The sanitizer and fuzz builds of scripts/test leave them out (TUNEPREP_BENCH=OFF): no test runs them.
option(TUNEPREP_BENCH "Build the benchmarks under bench/" ON)
if(NOT TUNEPREP_BENCH)
  return()
endif()
file(GLOB TUNEPREP_BENCHES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/bench/*_bench.cpp)
foreach(src ${TUNEPREP_BENCHES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE tuneprep)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
endforeach()
