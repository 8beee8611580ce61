// schema transcripts: Anthropic HH-style "\n\nHuman: ...\n\nAssistant: ..." strings split into turns.
#include "schema/schema_internal.hpp"

namespace tuneprep::schema_detail {
namespace {

constexpr std::string_view kHuman = "\n\nHuman:";
constexpr std::string_view kAssistant = "\n\nAssistant:";

std::string_view trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

void split_transcript(std::string_view transcript, std::vector<TranscriptTurn>& turns) {
  turns.clear();
  constexpr size_t npos = std::string_view::npos;
  // Next occurrence of each marker; each is searched again only once it has been consumed, so
  // the split stays linear in the transcript's length.
  size_t next_human = transcript.find(kHuman);
  size_t next_assistant = transcript.find(kAssistant);

  size_t text_start = 0;
  Role role = Role::kSystem;
  bool in_turn = false;
  // Transcripts that start directly with "Human:" (no leading blank line) are common too.
  if (transcript.starts_with(kHuman.substr(2))) {
    role = Role::kUser;
    text_start = kHuman.size() - 2;
    in_turn = true;
  } else if (transcript.starts_with(kAssistant.substr(2))) {
    role = Role::kAssistant;
    text_start = kAssistant.size() - 2;
    in_turn = true;
  }
  for (;;) {
    while (next_human != npos && next_human < text_start) next_human = transcript.find(kHuman, text_start);
    while (next_assistant != npos && next_assistant < text_start) {
      next_assistant = transcript.find(kAssistant, text_start);
    }
    size_t marker = std::min(next_human, next_assistant);
    std::string_view text = trim(transcript.substr(text_start, marker == npos ? npos : marker - text_start));
    if (in_turn || !text.empty()) turns.push_back({role, text});
    if (marker == npos) break;
    in_turn = true;
    if (marker == next_human) {
      role = Role::kUser;
      text_start = marker + kHuman.size();
    } else {
      role = Role::kAssistant;
      text_start = marker + kAssistant.size();
    }
  }
}

}  // namespace tuneprep::schema_detail
