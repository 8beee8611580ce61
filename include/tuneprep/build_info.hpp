// build_info: what this build of tuneprep is: its version and the git commit it was built from.
#pragma once

#include <string>
#include <string_view>

namespace tuneprep {

// "0.1.0": the project version of CMakeLists.txt.
std::string_view tuneprep_version();
// The short hash of the commit the library was built from; "unknown" outside a git checkout.
// Written at build time into one generated file (cmake/build_info.cmake), so a new commit
// recompiles that file alone.
std::string_view build_commit();
// "tuneprep 0.1.0 (commit 6e876c6)", what --version prints.
std::string version_line();

}  // namespace tuneprep
