// raw_checks: the rules that need the record's raw text rather than the normalized Example
// (unknown-key, bom-or-crlf), and the dataset-level diagnostics (too-few-examples, duplicate-example).
#include <algorithm>
#include <charconv>
#include <cstring>
#include <span>
#include <string>

#include <fmt/core.h>

#include "json/json_scan.hpp"
#include "tuneprep/checks.hpp"
#include "tuneprep/json_pointer.hpp"

namespace tuneprep {
namespace {

using Keys = std::span<const std::string_view>;

// The keys each input shape defines (what the Normalizer reads); anything else is dropped.
// OpenAI chat fine-tuning format: messages, tools, functions (legacy), parallel_tool_calls.
constexpr const auto& kChatTop = kOpenAiChatTopKeys;
// Inside a DPO `input`: the chat's keys but KTO's label.
constexpr std::string_view kDpoInput[] = {"messages", "tools", "functions", "parallel_tool_calls"};
constexpr const auto& kChatMessage = kOpenAiMessageKeys;
constexpr std::string_view kDpoTop[] = {"input", "preferred_output", "non_preferred_output"};
// prompt/completion and the aliases it is read from (prompt/response, question/answer, ...);
// Alpaca with its answer aliases. `label` is KTO's.
constexpr std::string_view kPromptCompletion[] = {"prompt", "completion", "question", "query", "input", "response",
                                                  "answer", "output", "target", "system", "label"};
constexpr std::string_view kAlpaca[] = {"instruction", "input", "output", "system", "history", "query",
                                        "response", "answer", "completion", "target", "label"};
constexpr std::string_view kShareGptTop[] = {"conversations", "system", "tools", "id"};
constexpr std::string_view kShareGptMessage[] = {"from", "value"};
constexpr std::string_view kPreferencePromptTop[] = {"prompt", "chosen", "rejected", "system"};
constexpr std::string_view kPreferenceShareGptTop[] = {"conversations", "chosen", "rejected", "system"};
constexpr std::string_view kTranscriptTop[] = {"chosen", "rejected"};

// Where an object sits, for the message: the top level, `input`, or message N.
struct Place {
  enum Kind : uint8_t { kTop, kInput, kMessage } kind = kTop;
  size_t index = 0;
};

// Walks the record once per nesting level, keeping the JSON pointer of the current object in one
// reused buffer; strings are only built for findings.
struct KeyChecker {
  std::string_view text;
  std::string_view format_name;
  const RuleConfig& config;
  std::vector<Diagnostic>& out;
  std::string path;     // pointer of the object being walked
  std::string decoded;  // a key written with escapes, decoded
  std::span<const std::string> mapped_keys;  // keys a --map names (top level; message keys by role_tag, content_tag)

  std::string_view decode(std::string_view raw) {
    if (raw.find('\\') == std::string_view::npos) return raw;
    decoded.clear();
    json_scan::StringBytes bytes(raw);
    for (int b = bytes.next(); b >= 0; b = bytes.next()) decoded.push_back(static_cast<char>(b));
    return decoded;
  }

  void report(std::string_view key, Place place) {
    std::string pointer = path + "/";
    append_pointer_token(pointer, key);
    const std::string shown = key.size() > 60 ? std::string(key.substr(0, 60)) + "…" : std::string(key);
    std::string where = place.kind == Place::kInput     ? "in input "
                        : place.kind == Place::kMessage ? fmt::format("in message {} ", place.index)
                                                        : std::string();
    Diagnostic d = make_diagnostic(
        RuleId::kUnknownKey,
        fmt::format("unknown key \"{}\" {}(not part of the {} format; dropped on output)", shown, where,
                    format_name),
        std::move(pointer));
    d.severity = config.severity(RuleId::kUnknownKey);
    out.push_back(std::move(d));
  }

  // Reports the unknown keys of the object at `open`; calls nested(key, value_pos) for each known
  // key with `path` extended by that key, so the caller can descend.
  template <typename Nested>
  void object(size_t open, Keys allowed, Place place, Nested&& nested) {
    if (open >= text.size() || text[open] != '{') return;
    json_scan::ObjectMembers members(text, open);
    while (members.next()) {
      const std::string_view key = decode(members.key());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end() &&
          ((place.kind != Place::kTop && place.kind != Place::kMessage) ||
           std::find(mapped_keys.begin(), mapped_keys.end(), key) == mapped_keys.end())) {
        report(key, place);
        continue;
      }
      const size_t keep = path.size();
      path += '/';
      path += key;  // a known key: no '~' or '/' to escape
      nested(key, members.value_pos());
      path.resize(keep);
    }
  }

  void object(size_t open, Keys allowed, Place place) {
    object(open, allowed, place, [](std::string_view, size_t) {});
  }

  // A list of message objects (an object on its own is checked as one message).
  void messages(size_t pos, Keys allowed) {
    if (pos >= text.size()) return;
    if (text[pos] == '{') {
      object(pos, allowed, Place{Place::kMessage, 0});
      return;
    }
    if (text[pos] != '[') return;
    json_scan::ArrayElements elements(text, pos);
    char digits[24];
    for (size_t k = 0; elements.next(); ++k) {
      const size_t keep = path.size();
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, k);
      path += '/';
      path.append(digits, end);
      object(elements.value_pos(), allowed, Place{Place::kMessage, k});
      path.resize(keep);
    }
  }
};

}  // namespace

void check_unknown_keys(std::string_view record_text, SourceFormat format, const RuleConfig& config,
                        std::vector<Diagnostic>& out, std::span<const std::string> mapped_keys) {
  if (!config.enabled(RuleId::kUnknownKey) || format == SourceFormat::kCsv) return;
  const size_t open = json_scan::skip_ws(record_text, 0);
  KeyChecker keys{record_text, source_format_name(format), config, out, {}, {}, mapped_keys};
  const Place top;
  switch (format) {
    case SourceFormat::kOpenAiChat:
      keys.object(open, kChatTop, top, [&](std::string_view key, size_t value) {
        if (key == "messages") keys.messages(value, kChatMessage);
      });
      break;
    case SourceFormat::kDpoOpenAi:
      keys.object(open, kDpoTop, top, [&](std::string_view key, size_t value) {
        if (key == "input") {
          keys.object(value, kDpoInput, Place{Place::kInput, 0}, [&](std::string_view k, size_t v) {
            if (k == "messages") keys.messages(v, kChatMessage);
          });
        } else {
          keys.messages(value, kChatMessage);
        }
      });
      break;
    case SourceFormat::kPromptCompletion:
      keys.object(open, kPromptCompletion, top);
      break;
    case SourceFormat::kAlpaca:
      keys.object(open, kAlpaca, top);
      break;
    case SourceFormat::kShareGpt:
      keys.object(open, kShareGptTop, top, [&](std::string_view key, size_t value) {
        if (key == "conversations") keys.messages(value, kShareGptMessage);
      });
      break;
    case SourceFormat::kPreferencePrompt:
      keys.object(open, kPreferencePromptTop, top, [&](std::string_view key, size_t value) {
        if (key != "system") keys.messages(value, kChatMessage);
      });
      break;
    case SourceFormat::kPreferenceShareGpt:
      keys.object(open, kPreferenceShareGptTop, top, [&](std::string_view key, size_t value) {
        if (key != "system") keys.messages(value, kShareGptMessage);
      });
      break;
    case SourceFormat::kPreferenceTranscript:
      keys.object(open, kTranscriptTop, top);
      break;
    case SourceFormat::kCsv:
      break;
  }
}

namespace {

// `mid_file`: the mark opens a record past the file's start, as when files are joined with cat.
void report_bom_or_crlf(bool bom, bool cr, const RuleConfig& config, std::vector<Diagnostic>& out,
                        bool mid_file = false) {
  if (!bom && !cr) return;
  std::string message = bom && cr ? "record starts with a byte-order mark and has CR LF line ends"
                        : bom     ? "record starts with a byte-order mark (U+FEFF)"
                                  : "record has a CR LF line end";
  if (bom && mid_file) message += " in the middle of the file (files joined with cat?)";
  Diagnostic d = make_diagnostic(RuleId::kBomOrCrlf, std::move(message));
  d.severity = config.severity(RuleId::kBomOrCrlf);
  out.push_back(std::move(d));
}

bool starts_with_bom(std::string_view text) { return text.substr(0, 3) == "\xEF\xBB\xBF"; }

// Outside strings a raw CR can only be whitespace (inside one it is invalid JSON): a CR LF line end.
bool has_cr(std::string_view text) { return std::memchr(text.data(), '\r', text.size()) != nullptr; }

}  // namespace

void check_bom_or_crlf(std::string_view record_text, const RuleConfig& config, std::vector<Diagnostic>& out) {
  if (!config.enabled(RuleId::kBomOrCrlf)) return;
  report_bom_or_crlf(starts_with_bom(record_text), has_cr(record_text), config, out);
}

void check_bom_or_crlf(const Record& record, const RuleConfig& config, std::vector<Diagnostic>& out) {
  if (!config.enabled(RuleId::kBomOrCrlf)) return;
  const bool mid_file_bom = starts_with_bom(record.text);
  report_bom_or_crlf(record.had_bom || mid_file_bom, record.had_crlf || has_cr(record.text), config, out,
                     mid_file_bom && !record.had_bom);
}

std::optional<Diagnostic> check_example_count(uint64_t examples, const RuleConfig& config) {
  // OpenAI fine-tuning requires at least 10 examples and recommends starting with 50 or more.
  constexpr uint64_t kRequired = 10;
  constexpr uint64_t kRecommended = 50;
  if (!config.enabled(RuleId::kTooFewExamples) || examples >= kRecommended) return std::nullopt;
  const bool below_minimum = examples < kRequired;
  Diagnostic d = make_diagnostic(
      RuleId::kTooFewExamples,
      below_minimum ? fmt::format("the dataset has {} example{}; fine-tuning needs at least {}", examples,
                                  examples == 1 ? "" : "s", kRequired)
                    : fmt::format("the dataset has {} examples; at least {} are recommended", examples,
                                  kRecommended));
  const Severity configured = config.severity(RuleId::kTooFewExamples);
  const bool overridden = configured != rule_info(RuleId::kTooFewExamples).default_severity;
  d.severity = overridden ? configured : below_minimum ? Severity::kError : Severity::kWarning;
  return d;
}

std::optional<Diagnostic> duplicate_example_diagnostic(std::string_view first_path, uint64_t first_line,
                                                       const RuleConfig& config) {
  if (!config.enabled(RuleId::kDuplicateExample)) return std::nullopt;
  Diagnostic d = make_diagnostic(RuleId::kDuplicateExample,
                                 fmt::format("exact duplicate of the example at {}:{}", first_path, first_line));
  d.severity = config.severity(RuleId::kDuplicateExample);
  return d;
}

}  // namespace tuneprep
