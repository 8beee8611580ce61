// cli: a minimal reader of openai-chat / OpenAI DPO JSON lines into Example for `tokens --chat`.
// A stand-in until `tokens --chat` can run records through schema's Normalizer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "tuneprep/conversation.hpp"

namespace tuneprep::cli {

// Parses one JSON line: {"messages":[...], "tools":[...]} or
// {"input":{"messages":[...]}, "preferred_output":[...], "non_preferred_output":[...]}.
// Returns nullopt with a one-line `error` when the line is not such a record.
std::optional<Example> parse_chat_record(simdjson::dom::parser& parser, std::string_view line,
                                         std::string& error);

}  // namespace tuneprep::cli
