// Unit tests of the out-of-range number repair (json/json_numbers).
#include <catch2/catch.hpp>

#include "json/json_numbers.hpp"

using namespace tuneprep;

TEST_CASE("out-of-range numbers are clamped in their own length, strings untouched") {
  const std::string text =
      R"({"a":1e999,"b":"1e999","c":[-1e400,18446744073709551615,18446744073709551616],"d":-9223372036854775809})";
  NumberRepair repair = repair_out_of_range_numbers(text);
  CHECK(repair.malformed_at == NumberRepair::kNone);
  CHECK(repair.clamped == 4);
  CHECK(repair.repaired ==
        R"({"a":1e308,"b":"1e999","c":[-1e308,18446744073709551615,1e000000000000000308],"d":-1e00000000000000308})");
  CHECK(repair.repaired.size() == text.size());
}

TEST_CASE("in-range numbers leave nothing to repair; malformed ones are located") {
  CHECK(repair_out_of_range_numbers(R"([0,-0,1.5e-400,9223372036854775807,-9223372036854775808])").repaired.empty());
  CHECK(repair_out_of_range_numbers(R"({"a":"x\"1e999","b":2})").clamped == 0);
  CHECK(repair_out_of_range_numbers(R"({"a":01})").malformed_at == 5);
  CHECK(repair_out_of_range_numbers(R"([1,1.])").malformed_at == 3);
  CHECK(repair_out_of_range_numbers(R"([1,+1])").malformed_at == 3);
  CHECK(repair_out_of_range_numbers(R"([1e])").malformed_at == 1);
}

TEST_CASE("number literals and zero underflow") {
  CHECK(number_literal_at(R"({"w":1e-400})", 5) == "1e-400");
  CHECK(number_literal_at(R"({"w":"x"})", 5).empty());
  CHECK(literal_is_nonzero("1e-400"));
  CHECK(literal_is_nonzero("0.000001e-400"));
  CHECK_FALSE(literal_is_nonzero("0.0e10"));
  CHECK_FALSE(literal_is_nonzero("-0"));
}
