# bench/readers_bench: framing throughput of the readers (see docs/performance.md).
add_executable(readers_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/readers_bench.cpp)
target_link_libraries(readers_bench PRIVATE tuneprep)
