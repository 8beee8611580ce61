// Tests of the option parsing the commands share.
#include <catch2/catch.hpp>

#include "cli/cli.hpp"
#include "cli/terminal.hpp"

using namespace tuneprep::cli;

TEST_CASE("Byte sizes accept K/M/G/T suffixes in powers of 1024") {
  CHECK(parse_byte_size("1024") == 1024u);
  CHECK(parse_byte_size("2G") == (uint64_t{2} << 30));
  CHECK(parse_byte_size("500M") == (uint64_t{500} << 20));
  CHECK(parse_byte_size("64k") == (uint64_t{64} << 10));
  CHECK(parse_byte_size("1.5G") == (uint64_t{3} << 29));
  CHECK(parse_byte_size("10GiB") == (uint64_t{10} << 30));
  CHECK(parse_byte_size("3MB") == (uint64_t{3} << 20));
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("G"));
  CHECK_FALSE(parse_byte_size("0"));
  CHECK_FALSE(parse_byte_size("12X"));
  CHECK_FALSE(parse_byte_size("-1G"));
  CHECK_FALSE(parse_byte_size("99999999999999999999"));
  CHECK_FALSE(parse_byte_size("99999999999T"));
}


TEST_CASE("watch's step progress line shows the bar, the percentage, the steps and the loss") {
  using tuneprep::cli::step_progress_line;
  CHECK(step_progress_line(420, 1000, 0.812) ==
        "[###########-----------------]  42% step 420 / 1,000  train loss 0.8120");
  CHECK(step_progress_line(0, 10, std::nullopt) == "[----------------------------]   0% step 0 / 10");
  CHECK(step_progress_line(12, 10, std::nullopt) == "[############################] 100% step 12 / 10");
  CHECK(step_progress_line(5, 0, std::nullopt) == "[----------------------------]   0% step 5 / 0");
}
