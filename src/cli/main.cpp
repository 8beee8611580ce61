// tuneprep entry point: everything lives in the library; see src/cli/cli.cpp.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return tuneprep::cli::run_cli(argc, argv); }
