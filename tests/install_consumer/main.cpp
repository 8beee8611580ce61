// Uses the installed library: validates the file named on the command line and counts tokens.
#include <cstdio>

#include "tuneprep/build_info.hpp"
#include "tuneprep/tokenizer.hpp"
#include "tuneprep/validate.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  tuneprep::ValidateOptions options;
  options.inputs = {argv[1]};
  const tuneprep::ValidateResult result = tuneprep::run_validate(options);
  if (result.error) return 2;
  const size_t tokens = tuneprep::Encoding::get(tuneprep::EncodingId::kCl100kBase).count("hello world");
  std::printf("tuneprep %s: %zu errors, %zu tokens\n", std::string(tuneprep::tuneprep_version()).c_str(),
              static_cast<size_t>(result.severities.errors), tokens);
  return 0;
}
