// prefilter_database_tool: the build step that compiles the content prefilter's Vectorscan
// database for the build machine and writes it to a file, which the library embeds
// (cmake/prefilter_database.cmake). Not part of the library: it is built from
// content_patterns.cpp alone. Usage: tuneprep_prefilter_database OUTPUT
#include <cstdio>
#include <string>

#include "checks/content_patterns.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  const std::string bytes = tuneprep::checks::ContentPatterns::compile()->serialize();
  const std::string temporary = std::string(argv[1]) + ".tmp";
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (out == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() || std::fclose(out) != 0 ||
      std::rename(temporary.c_str(), argv[1]) != 0) {
    std::perror(argv[1]);
    return 2;
  }
  return 0;
}
