// tuneprep entry point: everything lives in the libraries; see src/cli/cli.cpp. The backend
// commands are added here because only the binary links the backend.
#include "cli/backend/backend_commands.hpp"
#include "cli/cli.hpp"

int main(int argc, char** argv) { return tuneprep::cli::run_cli(argc, argv, tuneprep::cli::kBackendCommands); }
