# With TUNEPREP_FUZZ the library itself carries libFuzzer's coverage hooks and the sanitizers:
# without them the fuzzers would only see coverage of their own entry points.
if(TUNEPREP_FUZZ)
  target_compile_options(tuneprep PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(tuneprep INTERFACE -fsanitize=address,undefined)
endif()
