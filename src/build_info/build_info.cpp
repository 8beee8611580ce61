// build_info: the version line; the version and commit come from the generated build_info_values.cpp.
#include "tuneprep/build_info.hpp"

namespace tuneprep {

std::string version_line() {
  return "tuneprep " + std::string(tuneprep_version()) + " (commit " + std::string(build_commit()) + ")";
}

}  // namespace tuneprep
