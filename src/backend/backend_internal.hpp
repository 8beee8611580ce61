// backend_internal: the pieces of src/backend/ its files share and the tests reach.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/backend.hpp"

namespace tuneprep::backend {

std::string upload_request_json(std::string_view filename, std::string_view purpose, uint64_t bytes,
                                std::string_view mime_type);
std::string complete_upload_json(const std::vector<std::string>& part_ids, std::string_view md5_hex);

Result<std::vector<Job>> parse_job_list(std::string_view json);
Result<FileObject> parse_file(std::string_view json);
Result<UploadObject> parse_upload(std::string_view json);
Result<std::string> parse_part_id(std::string_view json);
// error.message and error.code of an error response (or problem details, or the body's first line).
void fill_error_from_body(ApiError& error, std::string_view body);

}  // namespace tuneprep::backend
