// backend_contract: requests of the HTTP client that no command brings to the Prism mock of the
// OpenAI specification, sent by the client itself so that tests/e2e/backend_contract.sh checks them.
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tuneprep/backend.hpp"

using namespace tuneprep::backend;

// Hidden ("[.]": a plain run skips it): tests/e2e/backend_contract.sh runs it against Prism, whose
// URL it passes in TUNEPREP_CONTRACT_BASE_URL. `watch` downloads result files only from a
// succeeded job, and Prism's example job never succeeds, so the download is sent from here.
// Prism answers a path, method or auth header the specification lacks with 404, 405 or 401.
TEST_CASE("download_file sends GET /files/{file_id}/content as the OpenAI specification has it",
          "[.][backend-contract]") {
  const char* base_url = std::getenv("TUNEPREP_CONTRACT_BASE_URL");
  REQUIRE(base_url != nullptr);
  ClientOptions options;
  options.base_url = base_url;
  options.api_key = "sk-contract-0000000000000000";
  options.retry.max_retries = 0;
  options.timeout = 20;
  std::string trace;
  options.trace = [&trace](std::string_view line) { trace.append(line).append("\n"); };
  auto service = make_http_backend(std::move(options));

  auto content = service->download_file("file-abc123");
  INFO(trace);
  INFO((content.error ? content.error->format() : std::string("no error")));
  REQUIRE_FALSE(content.error);
  CHECK(trace.starts_with("> GET " + std::string(base_url) + "/files/file-abc123/content\n"));
  CHECK(trace.find("< HTTP 200 ") != std::string::npos);
}
