// schema normalize: the Normalizer — parse a record in place, map its shape, run the checks.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <string>

#include <fmt/core.h>

#include "json/json_numbers.hpp"
#include "json/json_scan.hpp"
#include "schema/schema_internal.hpp"
#include "tuneprep/json_pointer.hpp"
#include "tuneprep/utf8.hpp"

namespace tuneprep {

using namespace schema_detail;

namespace schema_detail {

const std::string* ToolsMemo::find(std::string_view json, std::string_view key, std::string_view& raw) {
  raw = {};
  simdjson::ondemand::document document;
  simdjson::ondemand::object object;
  if (parser_.iterate(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING).get(document) ||
      document.get_object().get(object)) {
    return nullptr;
  }
  std::string_view found;
  size_t matches = 0;
  for (auto field : object) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return nullptr;
    if (name != key) continue;
    simdjson::ondemand::array array;
    if (++matches > 1 || field.value().get_array().get(array) || array.raw_json().get(found)) return nullptr;
  }
  if (matches != 1) return nullptr;
  for (const Entry& entry : entries_) {
    if (entry.raw == found) return &entry.minified;
  }
  raw = found;
  return nullptr;
}

void ToolsMemo::store(std::string_view raw, const std::string& minified) {
  Entry& entry = entries_[next_];
  next_ = (next_ + 1) % entries_.size();
  entry.raw.assign(raw);
  entry.minified = minified;
}

std::string_view MapContext::top_pointer(TopKey key) const {
  static const TopKeyNames defaults = [] {
    TopKeyNames names = default_top_key_names();
    for (std::string& name : names) name = std::string("/").append(name);
    return names;
  }();
  return (top_pointers ? *top_pointers : defaults)[static_cast<size_t>(key)];
}

void MapContext::report(RuleId rule, std::string message, std::string pointer) {
  diagnostics.push_back(make_diagnostic(rule, std::move(message), std::move(pointer)));
}

void MapContext::wrong_type(std::string pointer, std::string_view expected, element found) {
  std::string message = "expected ";
  message += expected;
  message += ", found ";
  message += json_type_name(found);
  report(RuleId::kWrongType, std::move(message), std::move(pointer));
}

void MapContext::missing(std::string pointer, std::string_view what) {
  std::string message = "missing \"";
  message += what;
  message += '"';
  report(RuleId::kMissingField, std::move(message), std::move(pointer));
}

std::string_view json_type_name(element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

}  // namespace schema_detail

namespace {

// Line and column (1-based, in characters) of byte `offset` of the record.
void locate(const Record& record, size_t offset, Diagnostic& diagnostic) {
  std::string_view text(record.text);
  offset = std::min(offset, text.size());
  uint64_t line = record.source.line;
  uint32_t column = record.source.column;
  for (size_t i = 0; i < offset; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  diagnostic.line = line;
  diagnostic.column = column;
}

// Where a JSON text that failed to parse ends up: inside an open string or container means it
// was cut short, which is the most common real-world cause (a truncated line or file).
struct JsonEnd {
  bool in_string = false;
  int depth = 0;
};
JsonEnd scan_json_end(std::string_view text) {
  JsonEnd end;
  bool escaped = false;
  for (char c : text) {
    if (end.in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        end.in_string = false;
      }
    } else if (c == '"') {
      end.in_string = true;
    } else if (c == '{' || c == '[') {
      ++end.depth;
    } else if (c == '}' || c == ']') {
      --end.depth;
    }
  }
  return end;
}

// Offset of what follows the record's first complete JSON value (whitespace skipped), npos when
// nothing does or the value never ends.
size_t trailing_content_at(std::string_view text) {
  size_t start = json_scan::skip_ws(text, 0);
  if (text.substr(start, 3) == "\xEF\xBB\xBF") start = json_scan::skip_ws(text, start + 3);
  if (start >= text.size() || (text[start] != '{' && text[start] != '[' && text[start] != '"')) {
    return std::string_view::npos;
  }
  const size_t end = json_scan::skip_value(text, start);
  if (end == json_scan::kNpos) return std::string_view::npos;
  const size_t next = json_scan::skip_ws(text, end);
  return next < text.size() ? next : std::string_view::npos;
}

// Offset of the first raw control character (U+0000..U+001F) or invalid escape inside a string,
// so the diagnostic points at the byte, not at the record's first column.
size_t first_string_problem(std::string_view text, bool escapes) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c < 0x20) {
      if (!escapes) return i;
    } else if (c == '\\') {
      const char e = i + 1 < text.size() ? text[i + 1] : '\0';
      bool ok = std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos && e != '\0';
      if (e == 'u') {
        ok = i + 5 < text.size() && std::all_of(text.begin() + static_cast<long>(i) + 2,
                                                text.begin() + static_cast<long>(i) + 6,
                                                [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); });
      }
      if (!ok && escapes) return i;
      ++i;
    }
  }
  return std::string_view::npos;
}

Diagnostic parse_error_diagnostic(simdjson::error_code error, const Record& record) {
  using simdjson::error_code;
  std::string_view text(record.text);
  std::string detail = std::string(" (simdjson: ") + simdjson::error_message(error) + ")";
  Diagnostic diagnostic;
  size_t at = std::string_view::npos;
  if (error == error_code::UTF8_ERROR) {
    at = first_invalid_utf8(text);
    std::string message = invalid_utf8_message(text, at);
    diagnostic = make_diagnostic(RuleId::kInvalidUtf8, std::move(message));
  } else if (error == error_code::DEPTH_ERROR) {
    diagnostic = make_diagnostic(RuleId::kJsonTooDeep, "JSON nesting is deeper than " +
                                                           std::to_string(simdjson::DEFAULT_MAX_DEPTH) +
                                                           " levels" + detail);
  } else if (error == error_code::CAPACITY || error == error_code::MEMALLOC) {
    diagnostic = make_diagnostic(RuleId::kRecordTooLarge, "the record is too large to parse" + detail);
  } else {
    std::string message;
    const void* nul = std::memchr(text.data(), '\0', text.size());
    JsonEnd end = scan_json_end(text);
    if (text.empty() || error == error_code::EMPTY) {
      message = "empty record";
    } else if (nul != nullptr) {
      at = static_cast<size_t>(static_cast<const char*>(nul) - text.data());
      message = "NUL byte at offset " + std::to_string(at) + " (JSON allows no raw control characters)";
    } else if (end.in_string || error == error_code::UNCLOSED_STRING) {
      message = "truncated JSON: unterminated string";
    } else if (end.depth > 0) {
      message = "truncated JSON: " + std::to_string(end.depth) + " unclosed object/array";
    } else if (error == error_code::UNESCAPED_CHARS) {
      at = first_string_problem(text, false);
      message = "unescaped control character";
      if (at < text.size()) {
        const auto byte = static_cast<unsigned char>(text[at]);
        message += fmt::format(" U+{:04X}{}", byte, byte == '\r' ? " (a raw CR)" : byte == '\t' ? " (a raw tab)" : "");
      }
      message += " inside a string (JSON needs it escaped, e.g. \\r \\t \\u0001)";
    } else if (error == error_code::STRING_ERROR) {
      message = "invalid string escape";
      at = first_string_problem(text, true);
    } else if (error == error_code::NUMBER_ERROR) {
      message = "invalid number";
      const size_t malformed = repair_out_of_range_numbers(text).malformed_at;
      if (malformed != NumberRepair::kNone) {
        message.append(" '").append(number_literal_at(text, malformed).substr(0, 40)).append("'");
        at = malformed;
      }
    } else if (error == error_code::T_ATOM_ERROR || error == error_code::F_ATOM_ERROR ||
               error == error_code::N_ATOM_ERROR) {
      message = "unexpected character: invalid literal (expected true, false or null)";
    } else if (const size_t after = trailing_content_at(text); after != std::string_view::npos) {
      // A CR alone between two records (old Mac line ends) leaves both on one line.
      message = text[after - 1] == '\r' || text[after] == '\r'
                    ? "unexpected content after the JSON value, past a lone CR (a CR alone ends no line in "
                      "JSON Lines: use LF or CR LF)"
                    : "unexpected content after the JSON value";
      at = after;
    } else if (error == error_code::TRAILING_CONTENT || end.depth < 0) {
      message = "unexpected content after the JSON value";
    } else {
      message = "unexpected character: malformed JSON structure";
    }
    diagnostic = make_diagnostic(RuleId::kJsonSyntax, message + detail);
  }
  if (at != std::string_view::npos) {
    locate(record, at, diagnostic);
  } else {
    diagnostic.line = record.source.line;
    diagnostic.column = record.source.column;
  }
  return diagnostic;
}

void map_shape(DetectedShape shape, const TopFields& top, MapContext& ctx, MappedExample& mapped) {
  switch (shape) {
    case DetectedShape::kOpenAiChat: read_openai_chat(top, ctx, mapped); break;
    case DetectedShape::kPromptCompletion: read_prompt_completion(top, ctx, mapped); break;
    case DetectedShape::kAlpaca: read_alpaca(top, ctx, mapped); break;
    case DetectedShape::kShareGpt: read_sharegpt(top, ctx, mapped); break;
    case DetectedShape::kDpoOpenAi: read_dpo_openai(top, ctx, mapped); break;
    case DetectedShape::kPreferencePrompt: read_preference_prompt(top, ctx, mapped); break;
    case DetectedShape::kPreferenceImplicit: read_preference_implicit(top, ctx, mapped); break;
    case DetectedShape::kPreferenceShareGpt: read_preference_sharegpt(top, ctx, mapped); break;
    case DetectedShape::kPreferenceTranscript: read_preference_transcript(top, ctx, mapped); break;
    case DetectedShape::kUnknown:
    case DetectedShape::kNoPreference: break;
  }
}

// An explicit --format forces its shape; within a family (ShareGPT, preference pairs) the keys
// still pick the variant.
DetectedShape shape_for(InputShape requested, const TopFields& top) {
  switch (requested) {
    case InputShape::kOpenAiChat: return DetectedShape::kOpenAiChat;
    case InputShape::kPromptCompletion: return DetectedShape::kPromptCompletion;
    case InputShape::kAlpaca: return DetectedShape::kAlpaca;
    case InputShape::kShareGpt:
      return top.has(TopKey::kChosen) || top.has(TopKey::kRejected) ? DetectedShape::kPreferenceShareGpt
                                                                     : DetectedShape::kShareGpt;
    case InputShape::kDpo: return detect_preference(top);
    // CSV rows never reach here; a JSON record in a run forced to csv is detected by its keys.
    case InputShape::kCsv:
    case InputShape::kAuto: return detect_shape(top);
  }
  return detect_shape(top);
}

}  // namespace

struct Normalizer::Impl {
  NormalizeOptions options;
  simdjson::dom::parser parser;
  simdjson::dom::parser inner_parser;
  std::string padded;        // copy of a record whose buffer lacks simdjson's padding
  std::string inner_buffer;  // for JSON embedded in strings
  TopKeyNames top_names = default_top_key_names();
  MessageTags tags;          // --map role_tag=... etc.
  TopKeyNames top_pointers;  // "/" + each name, escaped: origins point into these strings
  TopFields top;
  MappedExample mapped;
  ToolsMemo tools_memo;

  void normalize_into(const Record& record, NormalizeResult& result);
  void normalize_json(const Record& record, NormalizeResult& result, MappedExample& mapped, bool& mapped_ok);
};

namespace {

bool is_chat_top_key(std::string_view key) {
  return std::find(std::begin(kOpenAiChatTopKeys), std::end(kOpenAiChatTopKeys), key) != std::end(kOpenAiChatTopKeys);
}

bool every_key_known(const TopFields& top) { return std::all_of(top.keys.begin(), top.keys.end(), is_chat_top_key); }

// The elements of the record's `messages` array (each must have been read as a clean OpenAI message).
size_t message_count(const TopFields& top) {
  simdjson::dom::array array;
  if (!top.has(TopKey::kMessages) || top.get(TopKey::kMessages).get_array().get(array)) return SIZE_MAX;
  return array.size();
}

}  // namespace

void Normalizer::Impl::normalize_json(const Record& record, NormalizeResult& result, MappedExample& mapped,
                                      bool& mapped_ok) {
  const std::string& text = record.text;
  const char* data = text.data();
  // Parse in place when the reader left room for simdjson's padding (it reads, never writes,
  // up to SIMDJSON_PADDING bytes past the end); otherwise copy once into a padded buffer.
  if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING) {
    padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    padded.assign(text);
    data = padded.data();
  }
  // A byte order mark opening a record past a file's first line (files concatenated with cat) is
  // skipped as RFC 8259 allows; bom-or-crlf reports it.
  const size_t bom = std::string_view(text).substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  element root;
  std::string_view parsed_json(data + bom, text.size() - bom);  // padded: see above
  simdjson::error_code error = parser.parse(data + bom, text.size() - bom, false).get(root);
  if (error == simdjson::NUMBER_ERROR) {
    // An integer beyond 64 bits or a float beyond double range is valid JSON (RFC 8259): clamp it
    // (same length, so positions hold) and judge it only where a rule reads the value.
    NumberRepair repair = repair_out_of_range_numbers(std::string_view(text).substr(bom));
    if (repair.clamped > 0 && repair.malformed_at == NumberRepair::kNone) {
      repair.repaired.reserve(repair.repaired.size() + simdjson::SIMDJSON_PADDING);
      padded.swap(repair.repaired);
      parsed_json = padded;
      error = parser.parse(padded.data(), padded.size(), false).get(root);
    }
  }
  if (error) {
    result.diagnostics.push_back(parse_error_diagnostic(error, record));
    return;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    std::string message = "the record is ";
    message += json_type_name(root);
    message += ", expected an object";
    result.diagnostics.push_back(make_diagnostic(RuleId::kNotAnObject, std::move(message)));
    return;
  }
  scan_top_fields(object, top_names, top);
  DetectedShape shape = shape_for(options.shape, top);
  if (shape == DetectedShape::kUnknown) {
    result.diagnostics.push_back(make_diagnostic(RuleId::kUnknownFormat, describe_keys(top)));
    return;
  }
  if (shape == DetectedShape::kNoPreference) {
    result.diagnostics.push_back(make_diagnostic(
        RuleId::kMissingField,
        "missing \"preferred_output\": a dpo record needs input + preferred_output + "
        "non_preferred_output, or chosen + rejected (" + key_list(top) + ")",
        "/preferred_output"));
    return;
  }
  MapContext ctx{result.diagnostics, inner_parser, inner_buffer, {}, &top_pointers,
                 options.drop_placeholder_input, text, &tags};
  ctx.tools_memo = &tools_memo;
  ctx.parsed_json = parsed_json;
  map_shape(shape, top, ctx, mapped);
  mapped_ok = true;
  if (shape == DetectedShape::kOpenAiChat && options.key_map.empty()) {
    result.keys_known = every_key_known(top) && ctx.known_key_messages == message_count(top);
  }
}

Normalizer::Normalizer(NormalizeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  // Unknown fields were refused where the mapping was read (--map, [map]); ignore them here.
  for (const KeyMapping& m : impl_->options.key_map) map_top_key(impl_->top_names, m.field, m.key);
  impl_->tags = message_tags(impl_->options.key_map);
  for (size_t i = 0; i < impl_->top_names.size(); ++i) {
    impl_->top_pointers[i].clear();
    impl_->top_pointers[i].push_back('/');
    append_pointer_token(impl_->top_pointers[i], impl_->top_names[i]);
  }
}
Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

NormalizeResult Normalizer::normalize(const Record& record) {
  NormalizeResult result;
  impl_->normalize_into(record, result);
  // Field diagnostics point by JSON pointer; the line still says which record it was.
  for (Diagnostic& diagnostic : result.diagnostics) {
    if (diagnostic.line == 0) diagnostic.line = record.source.line;
    if (diagnostic.column == 0 && diagnostic.pointer.empty() && !record.framing_error) {
      diagnostic.column = record.source.column;
    }
  }
  return result;
}

void Normalizer::Impl::normalize_into(const Record& record, NormalizeResult& result) {
  if (record.framing_error) {
    const FramingError& framing = *record.framing_error;
    Diagnostic diagnostic =
        make_diagnostic(rule_from_name(framing.rule).value_or(RuleId::kJsonSyntax), framing.message);
    diagnostic.line = record.source.line;
    diagnostic.column = framing.column;
    result.diagnostics.push_back(std::move(diagnostic));
    return;
  }
  // The mapping state is reused across records so its origin vectors keep their capacity.
  mapped.example = Example{};
  mapped.origins.clear();
  mapped.preferred_origins.clear();
  mapped.non_preferred_origins.clear();
  mapped.messages_pointer = mapped.preferred_pointer = mapped.non_preferred_pointer = {};
  mapped.answer_field_failed = mapped.preferred_failed = mapped.non_preferred_failed = false;
  bool mapped_ok = false;
  if (record.kind == RecordKind::kCsvRow) {
    MapContext ctx{result.diagnostics, inner_parser, inner_buffer, {}};
    read_csv_fields(record.csv, ctx, mapped);
    mapped_ok = true;
  } else {
    normalize_json(record, result, mapped, mapped_ok);
  }
  if (!mapped_ok) return;
  inject_system_prompt(mapped, options.system_prompt);
  check_structure(mapped, result.diagnostics);
  result.example = std::move(mapped.example);
}

std::string Normalizer::source_pointer(std::string_view pointer) const {
  const MappedExample& mapped = impl_->mapped;
  // Which message list of the Example the pointer names, and where that list came from.
  struct List {
    std::string_view prefix;
    const std::vector<Origin>* origins;
    std::string_view source;
  };
  const List lists[] = {
      {"/messages", &mapped.origins, mapped.messages_pointer},
      {"/input/messages", &mapped.origins, mapped.messages_pointer},
      {"/preferred_output", &mapped.preferred_origins, mapped.preferred_pointer},
      {"/non_preferred_output", &mapped.non_preferred_origins, mapped.non_preferred_pointer},
  };
  for (const List& list : lists) {
    if (!pointer.starts_with(list.prefix)) continue;
    std::string_view rest = pointer.substr(list.prefix.size());
    if (rest.empty()) return std::string(list.source);
    if (rest.front() != '/') continue;
    rest.remove_prefix(1);
    const size_t slash = rest.find('/');
    const std::string_view digits = rest.substr(0, slash);
    size_t index = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return {};
    if (index >= list.origins->size()) return {};
    const Origin& origin = (*list.origins)[index];
    if (origin.base.empty()) return {};  // added by --system: not in the record
    const std::string_view field = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (field.empty()) return pointer_of(origin, "");
    const size_t field_end = field.find('/');
    const std::string_view key = field.substr(0, field_end);
    if (key == "content") {
      // The text field itself ("/completion"), a ShareGPT "value", or a message's "content";
      // a pointer into content parts keeps its tail only where the source has parts.
      if (origin.content_key != "content") return content_pointer(origin);
      return pointer_of(origin, field);
    }
    if (origin.content_key.empty()) return pointer_of(origin, "");  // a plain text field: no keys
    if (origin.content_key == "value") {
      // ShareGPT turns have only "from" and "value"; tool calls are "function_call" turns.
      return pointer_of(origin, key == "role" ? "from" : "");
    }
    return pointer_of(origin, field);
  }
  return {};
}

}  // namespace tuneprep
