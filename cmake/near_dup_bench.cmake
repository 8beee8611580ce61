# near_dup_bench: precision/recall and throughput of near dedup (run it through bench/near-dup).
add_executable(near_dup_bench ${CMAKE_CURRENT_SOURCE_DIR}/bench/near_dup_bench.cpp)
target_link_libraries(near_dup_bench PRIVATE tuneprep)
target_compile_options(near_dup_bench PRIVATE -Wall -Wextra)
