// Unit tests of the readers: JSONL, streamed JSON arrays and value sequences, CSV, sniffing.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <cstring>
#include <string>
#include <vector>

#include "tuneprep/readers.hpp"
#include "tuneprep/record_stream.hpp"

using namespace tuneprep;
using namespace std::string_literals;

namespace {

struct ReadOutcome {
  std::vector<Record> records;
  std::optional<IoError> open_error;
  std::optional<IoError> read_error;
  size_t batches = 0;
};

ReadOutcome read_with(std::string_view bytes, FileFormat format, ReaderOptions options, bool sniff = false) {
  ReadOutcome out;
  ReaderResult opened = open_reader(memory_source(bytes), "test", format, sniff, 7, options);
  if (opened.error) {
    out.open_error = opened.error;
    return out;
  }
  RecordBatch batch;
  uint64_t expected_sequence = 0;
  while (opened.reader->next_batch(batch, out.read_error)) {
    REQUIRE(batch.sequence == expected_sequence++);
    REQUIRE_FALSE(batch.records.empty());
    ++out.batches;
    for (Record& record : batch.records) out.records.push_back(std::move(record));
  }
  return out;
}

std::string describe(const Record& r) {
  std::string out = std::to_string(r.source.file_index) + ":" + std::to_string(r.source.line) + ":" +
                    std::to_string(r.source.column) + "@" + std::to_string(r.source.offset) + " [" + r.text + "]";
  if (r.framing_error) out += " " + r.framing_error->rule + ": " + r.framing_error->message;
  if (r.csv.system) out += " system=" + *r.csv.system;
  if (r.csv.prompt) out += " prompt=" + *r.csv.prompt;
  if (r.csv.response) out += " response=" + *r.csv.response;
  return out;
}

// Reads `bytes` with tiny and ordinary chunk sizes; every record must come out the same whatever
// the chunk boundaries, so each test below also checks records stitched across refills.
ReadOutcome read_all(std::string_view bytes, FileFormat format, ReaderOptions options = {}, bool sniff = false) {
  ReadOutcome reference = read_with(bytes, format, options, sniff);
  for (size_t chunk : {1, 2, 3, 5, 13, 64}) {
    ReaderOptions small = options;
    small.read_chunk_bytes = chunk;
    ReadOutcome other = read_with(bytes, format, small, sniff);
    INFO("read_chunk_bytes " << chunk);
    REQUIRE(other.records.size() == reference.records.size());
    for (size_t i = 0; i < other.records.size(); ++i) CHECK(describe(other.records[i]) == describe(reference.records[i]));
    CHECK(other.open_error.has_value() == reference.open_error.has_value());
  }
  for (const Record& record : reference.records) {
    CHECK(record.text.capacity() >= record.text.size() + simdjson::SIMDJSON_PADDING);
  }
  return reference;
}

std::vector<std::string> texts(const ReadOutcome& outcome) {
  std::vector<std::string> out;
  for (const Record& r : outcome.records) out.push_back(r.text);
  return out;
}

// Produces `size` bytes of 'x' then a tail, without ever holding the large line.
class LongLineSource final : public ByteSource {
 public:
  LongLineSource(uint64_t size, std::string tail) : size_(size), tail_(std::move(tail)) {}
  size_t read(char* buffer, size_t capacity, std::optional<IoError>&) override {
    if (produced_ < size_) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(capacity, size_ - produced_));
      std::memset(buffer, 'x', n);
      produced_ += n;
      return n;
    }
    const size_t offset = static_cast<size_t>(produced_ - size_);
    const size_t n = std::min(capacity, tail_.size() - offset);
    std::memcpy(buffer, tail_.data() + offset, n);
    produced_ += n;
    return n;
  }
  uint64_t raw_bytes_consumed() const override { return produced_; }
  std::string raw_sha256() const override { return {}; }

 private:
  uint64_t size_;
  std::string tail_;
  uint64_t produced_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// JSONL

TEST_CASE("JSONL frames one record per line with line, column and byte offset") {
  ReadOutcome out = read_all("{\"a\":1}\n{\"b\":22}\n", FileFormat::kJsonl);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:1:1@0 [{\"a\":1}]");
  CHECK(describe(out.records[1]) == "7:2:1@8 [{\"b\":22}]");
  CHECK(out.records[0].kind == RecordKind::kJson);
  CHECK_FALSE(out.read_error);
}

TEST_CASE("JSONL skips whitespace-only lines but counts them") {
  ReadOutcome out = read_all("\n  \t\n{\"a\":1}\n\r\n \r\n{\"b\":2}\n\n", FileFormat::kJsonl);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:3:1@5 [{\"a\":1}]");
  CHECK(describe(out.records[1]) == "7:6:1@18 [{\"b\":2}]");
}

TEST_CASE("JSONL strips the carriage return of CRLF line ends") {
  ReadOutcome out = read_all("{}\r\n{\"x\":\"a\rb\"}\r\n", FileFormat::kJsonl);
  CHECK(texts(out) == std::vector<std::string>{"{}", "{\"x\":\"a\rb\"}"});
  CHECK(out.records[1].source.offset == 4);
}

TEST_CASE("JSONL strips a byte order mark on line 1 only") {
  ReadOutcome out = read_all("\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n", FileFormat::kJsonl);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:1:1@3 [{}]");
  CHECK(describe(out.records[1]) == "7:2:1@6 [\xEF\xBB\xBF{}]");
}

TEST_CASE("JSONL reads a last line without newline") {
  ReadOutcome out = read_all("{\"a\":1}\n{\"b\":2}", FileFormat::kJsonl);
  CHECK(texts(out) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  ReadOutcome crlf = read_all("{\"a\":1}\r\n{\"b\":2}\r", FileFormat::kJsonl);
  CHECK(texts(crlf) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

TEST_CASE("JSONL keeps NUL bytes and invalid UTF-8 as plain bytes") {
  const std::string input = "{\"a\":\"\0\"}\n\xFF\xFE\n"s;
  ReadOutcome out = read_all(input, FileFormat::kJsonl);
  CHECK(texts(out) == std::vector<std::string>{"{\"a\":\"\0\"}"s, "\xFF\xFE"});
}

TEST_CASE("JSONL empty file yields no records and no error") {
  ReadOutcome out = read_all("", FileFormat::kJsonl);
  CHECK(out.records.empty());
  CHECK_FALSE(out.read_error);
  CHECK_FALSE(out.open_error);
  CHECK(read_all("\n\n  \n", FileFormat::kJsonl).records.empty());
}

TEST_CASE("JSONL line over --max-record-bytes keeps its first bytes and the next line") {
  std::string big(1u << 20, 'y');
  big[0] = '{';
  const std::string input = "{\"a\":1}\n" + big + "\r\n{\"b\":2}\n";
  ReaderOptions options;
  options.max_record_bytes = 1000;
  ReadOutcome out = read_all(input, FileFormat::kJsonl, options);
  REQUIRE(out.records.size() == 3);
  CHECK(out.records[1].text == big.substr(0, kTooLargeKeptBytes));
  REQUIRE(out.records[1].framing_error);
  CHECK(out.records[1].framing_error->rule == "record-too-large");
  CHECK(out.records[1].framing_error->message == "record of 1048576 bytes exceeds --max-record-bytes (1000)");
  CHECK(out.records[1].source.line == 2);
  CHECK(out.records[1].source.offset == 8);
  CHECK(describe(out.records[2]) == "7:3:1@" + std::to_string(8 + big.size() + 2) + " [{\"b\":2}]");
}

TEST_CASE("JSONL line of exactly --max-record-bytes is kept whole, CRLF not counted") {
  ReaderOptions options;
  options.max_record_bytes = 4;
  ReadOutcome out = read_all("abcd\r\nabcde\r\n", FileFormat::kJsonl, options);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].text == "abcd");
  CHECK_FALSE(out.records[0].framing_error);
  CHECK(out.records[1].text == "abcde");
  REQUIRE(out.records[1].framing_error);
  CHECK(out.records[1].framing_error->message == "record of 5 bytes exceeds --max-record-bytes (4)");
}

TEST_CASE("JSONL 200 MB single line is read with bounded memory") {
  const uint64_t size = 200ull << 20;
  ReaderResult opened = open_reader(std::make_unique<LongLineSource>(size, "\n{\"ok\":1}\n"), "big.jsonl",
                                    FileFormat::kJsonl, false, 0, ReaderOptions{});
  REQUIRE(opened.reader);
  RecordBatch batch;
  std::optional<IoError> error;
  std::vector<Record> records;
  while (opened.reader->next_batch(batch, error)) {
    for (Record& r : batch.records) {
      // Never more than the kept bytes plus padding, even while the line streams by.
      CHECK(r.text.capacity() < 64u << 10);
      records.push_back(std::move(r));
    }
  }
  CHECK_FALSE(error);
  REQUIRE(records.size() == 2);
  CHECK(records[0].text == std::string(kTooLargeKeptBytes, 'x'));
  CHECK(records[0].framing_error->message == "record of 209715200 bytes exceeds --max-record-bytes (67108864)");
  CHECK(records[1].text == "{\"ok\":1}");
  CHECK(records[1].source.line == 2);
  CHECK(records[1].source.offset == size + 1);
}

TEST_CASE("JSONL batches come in order and stay near batch_bytes") {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += "{\"i\":" + std::to_string(i) + "}\n";
  ReaderOptions options;
  options.batch_bytes = 4096;
  ReaderResult opened = open_reader(memory_source(input, 100), "t", FileFormat::kJsonl, false, 0, options);
  RecordBatch batch;
  std::optional<IoError> error;
  uint64_t sequence = 0, next_line = 1, last_bytes_read = 0;
  while (opened.reader->next_batch(batch, error)) {
    CHECK(batch.sequence == sequence++);
    CHECK(batch.records.size() <= 4096 / sizeof(Record) + 1);
    CHECK(batch.bytes_read >= last_bytes_read);
    last_bytes_read = batch.bytes_read;
    for (const Record& r : batch.records) CHECK(r.source.line == next_line++);
  }
  CHECK(sequence > 10);
  CHECK(next_line == 1001);
  CHECK(last_bytes_read == input.size());
  CHECK_FALSE(opened.reader->next_batch(batch, error));  // stays at end
  CHECK(batch.records.empty());
}

// ---------------------------------------------------------------------------------------------
// JSON arrays

TEST_CASE("JSON array streams elements with their exact bytes and positions") {
  const std::string input = "[\n  {\"a\": 1},\n  {\"b\": [1, 2]}\n]\n";
  ReadOutcome out = read_all(input, FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:2:3@4 [{\"a\": 1}]");
  CHECK(describe(out.records[1]) == "7:3:3@16 [{\"b\": [1, 2]}]");
}

TEST_CASE("JSON array columns count UTF-8 characters") {
  ReadOutcome out = read_all("[\"\xC3\xA9\xC3\xA9\", {}]", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:1:2@1 [\"\xC3\xA9\xC3\xA9\"]");
  CHECK(describe(out.records[1]) == "7:1:8@9 [{}]");
}

TEST_CASE("JSON array elements may be scalars and strings with brackets and escapes") {
  ReadOutcome out = read_all(R"([1, -2.5e3,"two", true ,null, {"a":"]\"}["}, ["\\", "x"]])", FileFormat::kJsonArray);
  CHECK(texts(out) == std::vector<std::string>{"1", "-2.5e3", "\"two\"", "true", "null", R"({"a":"]\"}["})",
                                               R"(["\\", "x"])"});
  for (const Record& r : out.records) CHECK_FALSE(r.framing_error);
}

TEST_CASE("JSON empty array yields no records") {
  CHECK(read_all("[]", FileFormat::kJsonArray).records.empty());
  CHECK(read_all("\xEF\xBB\xBF [ \n ] \n", FileFormat::kJsonArray).records.empty());
  CHECK(read_all("", FileFormat::kJsonArray).records.empty());
  CHECK(read_all(" \n", FileFormat::kJsonArray).records.empty());
}

TEST_CASE("JSON array after a byte order mark keeps stream offsets") {
  ReadOutcome out = read_all("\xEF\xBB\xBF[{}]", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 1);
  CHECK(describe(out.records[0]) == "7:1:2@4 [{}]");
}

TEST_CASE("JSON array element nested 100000 deep is framed without recursion") {
  const size_t depth = 100000;
  const std::string element = std::string(depth, '[') + std::string(depth, ']');
  const std::string input = "[" + element + ", {\"after\": true}]";
  ReaderOptions options;
  options.read_chunk_bytes = 4096;
  ReadOutcome out = read_with(input, FileFormat::kJsonArray, options);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].text == element);
  CHECK_FALSE(out.records[0].framing_error);
  CHECK(describe(out.records[1]) == "7:1:" + std::to_string(2 * depth + 4) + "@" + std::to_string(2 * depth + 3) +
                                        " [{\"after\": true}]");
}

TEST_CASE("JSON array truncated inside an element reports end of file at the element") {
  ReadOutcome out = read_all("[{\"a\": 1},\n {\"b\": \"x", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 2);
  CHECK_FALSE(out.records[0].framing_error);
  CHECK(describe(out.records[1]) ==
        "7:2:2@12 [{\"b\": \"x] json-syntax: unexpected end of file inside the top-level array");
  CHECK_FALSE(out.read_error);
}

TEST_CASE("JSON array truncated between elements reports the missing bracket") {
  ReadOutcome out = read_all("[{\"a\":1},\n", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].text == "{\"a\":1}");
  CHECK(describe(out.records[1]) ==
        "7:2:1@10 [] json-syntax: unexpected end of file inside the top-level array (missing ']')");
  ReadOutcome scalar = read_all("[1, 2", FileFormat::kJsonArray);
  CHECK(texts(scalar) == std::vector<std::string>{"1", "2", ""});
}

TEST_CASE("JSON array missing comma flags the next element and reads on") {
  ReadOutcome out = read_all("[{\"a\":1} {\"b\":2}, {\"c\":3}]", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 3);
  CHECK(describe(out.records[0]) == "7:1:2@1 [{\"a\":1}]");
  CHECK(describe(out.records[1]) == "7:1:10@9 [{\"b\":2}] json-syntax: missing ',' between array elements");
  CHECK(out.records[1].framing_error->column == 10);
  CHECK(describe(out.records[2]) == "7:1:19@18 [{\"c\":3}]");
}

TEST_CASE("JSON array garbage between elements becomes its own error record") {
  ReadOutcome out = read_all("[1, 2 }, 3]", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 4);
  CHECK(describe(out.records[2]) == "7:1:7@6 [}] json-syntax: expected ',' or ']' after an array element, found '}'");
  CHECK(out.records[3].text == "3");
  ReadOutcome word = read_all("[1 @x, 3]", FileFormat::kJsonArray);
  REQUIRE(word.records.size() == 3);
  CHECK(describe(word.records[1]) == "7:1:4@3 [@x] json-syntax: expected ',' or ']' after an array element, found '@'");
}

TEST_CASE("JSON array trailing and doubled commas are reported") {
  ReadOutcome trailing = read_all("[1,2,]", FileFormat::kJsonArray);
  REQUIRE(trailing.records.size() == 3);
  CHECK(describe(trailing.records[2]) ==
        "7:1:6@5 [] json-syntax: expected a value after ',' but found ']' (trailing comma)");
  ReadOutcome doubled = read_all("[1,,2]", FileFormat::kJsonArray);
  REQUIRE(doubled.records.size() == 3);
  CHECK(describe(doubled.records[1]) == "7:1:4@3 [] json-syntax: expected a value before ','");
  CHECK(doubled.records[2].text == "2");
}

TEST_CASE("JSON data after the top-level array is one error record") {
  ReadOutcome out = read_all("[1]\n{\"x\":1}\n", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[1]) ==
        "7:2:1@4 [{\"x\":1}\n] json-syntax: unexpected data after the top-level array (8 bytes not read as records)");
}

TEST_CASE("JSON array element over --max-record-bytes is flagged") {
  ReaderOptions options;
  options.max_record_bytes = 10;
  ReadOutcome out = read_all("[{\"a\":\"0123456789\"}, 1]", FileFormat::kJsonArray, options);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) ==
        "7:1:2@1 [{\"a\":\"0123456789\"}] record-too-large: record of 18 bytes exceeds --max-record-bytes (10)");
  CHECK(out.records[1].text == "1");
  std::string big = "[\"" + std::string(5000, 'z') + "\"]";
  ReadOutcome large = read_all(big, FileFormat::kJsonArray, options);
  REQUIRE(large.records.size() == 1);
  CHECK(large.records[0].text == big.substr(1, kTooLargeKeptBytes));
  CHECK(large.records[0].framing_error->message == "record of 5002 bytes exceeds --max-record-bytes (10)");
}

TEST_CASE("JSON file that is not an array is read as a sequence of values") {
  ReadOutcome pretty = read_all("{\n  \"messages\": [\n    {\"role\": \"user\"}\n  ]\n}\n", FileFormat::kJsonArray);
  REQUIRE(pretty.records.size() == 1);
  CHECK(describe(pretty.records[0]) == "7:1:1@0 [{\n  \"messages\": [\n    {\"role\": \"user\"}\n  ]\n}]");
  ReadOutcome lines = read_all("{\"a\":1}\n\n{\"b\":2}{\"c\":3}\n", FileFormat::kJsonArray);
  REQUIRE(lines.records.size() == 3);
  CHECK(describe(lines.records[1]) == "7:3:1@9 [{\"b\":2}]");
  CHECK(describe(lines.records[2]) == "7:3:8@16 [{\"c\":3}]");
}

TEST_CASE("JSON value sequence reports stray closers and unterminated values") {
  ReadOutcome out = read_all("{\"a\":1}\n}\n{\"b\": \"x", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 3);
  CHECK(describe(out.records[1]) == "7:2:1@8 [}] json-syntax: unexpected '}' between JSON values");
  CHECK(describe(out.records[2]) == "7:3:1@10 [{\"b\": \"x] json-syntax: unexpected end of file inside a JSON value");
}

TEST_CASE("JSON line numbers count newlines inside strings and escapes") {
  ReadOutcome out = read_all("[\"a\nb\", \"c\\\"\n\", 2]", FileFormat::kJsonArray);
  REQUIRE(out.records.size() == 3);
  CHECK(out.records[1].source.line == 2);
  CHECK(describe(out.records[2]) == "7:3:4@16 [2]");
}

// ---------------------------------------------------------------------------------------------
// CSV

TEST_CASE("CSV maps detected columns and keeps the raw row") {
  const std::string input =
      "question,answer,system\n"
      "What are your hours?,\"Mon-Fri, 9-18.\",You help.\n"
      "Ship to Norway?,Yes,\n";
  ReadOutcome out = read_all(input, FileFormat::kCsv);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) ==
        "7:2:1@23 [What are your hours?,\"Mon-Fri, 9-18.\",You help.] system=You help. prompt=What are your hours? "
        "response=Mon-Fri, 9-18.");
  CHECK(describe(out.records[1]) == "7:3:1@71 [Ship to Norway?,Yes,] system= prompt=Ship to Norway? response=Yes");
  CHECK(out.records[0].kind == RecordKind::kCsvRow);
}

TEST_CASE("CSV delimiter is detected from the header row: tab, semicolon or pipe") {
  ReadOutcome tabs = read_all("question\tanswer\nWhat, when?\t\"Now;\tthen\"\n", FileFormat::kCsv);
  REQUIRE(tabs.records.size() == 1);
  CHECK(*tabs.records[0].csv.prompt == "What, when?");
  CHECK(*tabs.records[0].csv.response == "Now;\tthen");
  ReadOutcome semicolons = read_all("\"question\";\"answer, if any\"\nA, b;\"c;d\"\n", FileFormat::kCsv,
                                    [] { ReaderOptions o; o.response_column = "answer, if any"; return o; }());
  REQUIRE(semicolons.records.size() == 1);
  CHECK(*semicolons.records[0].csv.prompt == "A, b");
  CHECK(*semicolons.records[0].csv.response == "c;d");
  ReadOutcome pipes = read_all("prompt|response\nx, y|z\n", FileFormat::kCsv);
  REQUIRE(pipes.records.size() == 1);
  CHECK(*pipes.records[0].csv.response == "z");
  // Ties and headers without any candidate keep the comma.
  ReadOutcome one_column = read_all("prompt\nx\n", FileFormat::kCsv, [] { ReaderOptions o; o.response_column = "prompt"; return o; }());
  REQUIRE(one_column.records.size() == 1);
  CHECK(*one_column.records[0].csv.prompt == "x");
}

TEST_CASE("CSV delimiter given explicitly overrides detection") {
  ReaderOptions options;
  options.csv_delimiter = ';';
  // The header has more commas than semicolons, but the rows are split on ';' as asked.
  ReadOutcome out = read_all("prompt;response,with,commas\na,b;c\n", FileFormat::kCsv, [&] {
    ReaderOptions o = options;
    o.response_column = "response,with,commas";
    return o;
  }());
  REQUIRE(out.records.size() == 1);
  CHECK(*out.records[0].csv.prompt == "a,b");
  CHECK(*out.records[0].csv.response == "c");
}

TEST_CASE("CSV quoted field keeps embedded newline, commas and doubled quotes") {
  const std::string input =
      "prompt,response\n"
      "\"Say \"\"hi\"\"\",\"line one\nline two, still\"\n"
      "next,row\n";
  ReadOutcome out = read_all(input, FileFormat::kCsv);
  REQUIRE(out.records.size() == 2);
  CHECK(*out.records[0].csv.prompt == "Say \"hi\"");
  CHECK(*out.records[0].csv.response == "line one\nline two, still");
  CHECK(out.records[0].text == "\"Say \"\"hi\"\"\",\"line one\nline two, still\"");
  CHECK(out.records[0].source.line == 2);
  CHECK(describe(out.records[1]) == "7:4:1@56 [next,row] prompt=next response=row");
}

TEST_CASE("CSV handles CRLF rows, a byte order mark and empty lines") {
  const std::string input = "\xEF\xBB\xBF\"Prompt\",Response\r\n\r\na,\"b\r\nc\"\r\n\r\nd,e";
  ReadOutcome out = read_all(input, FileFormat::kCsv);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[0]) == "7:3:1@24 [a,\"b\r\nc\"] prompt=a response=b\r\nc");
  CHECK(describe(out.records[1]) == "7:6:1@36 [d,e] prompt=d response=e");
}

TEST_CASE("CSV quotes inside unquoted fields are literal") {
  ReadOutcome out = read_all("prompt,response\n5\" screen,\"ok\"x\n", FileFormat::kCsv);
  REQUIRE(out.records.size() == 1);
  CHECK(*out.records[0].csv.prompt == "5\" screen");
  CHECK(*out.records[0].csv.response == "okx");
}

TEST_CASE("CSV explicit column names match case-insensitively") {
  ReaderOptions options;
  options.prompt_column = "Q";
  options.response_column = "a ";
  options.system_column = "SYS";
  ReadOutcome out = read_all("sys, q ,A\ns,p,r\n", FileFormat::kCsv, options);
  REQUIRE(out.records.size() == 1);
  CHECK(describe(out.records[0]) == "7:2:1@10 [s,p,r] system=s prompt=p response=r");
}

TEST_CASE("CSV instruction and input: a non-blank input follows the instruction after a blank line") {
  ReadOutcome out = read_all("instruction,input,output\nTranslate,hello,hallo\nGreet, ,Hi\n", FileFormat::kCsv);
  REQUIRE(out.records.size() == 2);
  CHECK(*out.records[0].csv.prompt == "Translate\n\nhello");
  CHECK(*out.records[1].csv.prompt == "Greet");
  CHECK(*out.records[1].csv.response == "Hi");
  CHECK_FALSE(out.records[0].csv.system);
}

TEST_CASE("CSV header without a usable column is an open error") {
  ReadOutcome out = read_with("question,notes\nq,n\n", FileFormat::kCsv, {});
  REQUIRE(out.open_error);
  CHECK(out.open_error->message == "test:1: CSV header has no response column (columns: question, notes); use --response-col");
  ReadOutcome no_prompt = read_with("\n\nanswer,b\n", FileFormat::kCsv, {});
  REQUIRE(no_prompt.open_error);
  CHECK(no_prompt.open_error->message == "test:3: CSV header has no prompt column (columns: answer, b); use --prompt-col");
  ReadOutcome neither = read_with("a,b\n", FileFormat::kCsv, {});
  CHECK(neither.open_error->message ==
        "test:1: CSV header has no prompt or response column (columns: a, b); use --prompt-col and --response-col");
  ReaderOptions options;
  options.response_column = "reply";
  ReadOutcome named = read_with("prompt,answer\n", FileFormat::kCsv, options);
  CHECK(named.open_error->message ==
        "test:1: CSV header has no column named 'reply' (given by --response-col; columns: prompt, answer)");
}

TEST_CASE("CSV row with a different field count is flagged") {
  ReadOutcome out = read_all("prompt,response\na,b,c\nd\ne,f\n", FileFormat::kCsv);
  REQUIRE(out.records.size() == 3);
  CHECK(describe(out.records[0]) == "7:2:1@16 [a,b,c] csv-field-count: row has 3 fields but the header has 2");
  CHECK(describe(out.records[1]) == "7:3:1@22 [d] csv-field-count: row has 1 field but the header has 2");
  CHECK(describe(out.records[2]) == "7:4:1@24 [e,f] prompt=e response=f");
}

TEST_CASE("CSV unterminated quote at end of file is flagged at its row") {
  ReadOutcome out = read_all("prompt,response\na,b\nc,\"never\nclosed\n", FileFormat::kCsv);
  REQUIRE(out.records.size() == 2);
  CHECK(describe(out.records[1]) ==
        "7:3:1@20 [c,\"never\nclosed\n] csv-field-count: unterminated quoted field starting at line 3");
  ReadOutcome header = read_with("prompt,\"resp\n", FileFormat::kCsv, {});
  REQUIRE(header.open_error);
  CHECK(header.open_error->message == "test:1: unterminated quoted field starting at line 1 in the CSV header");
}

TEST_CASE("CSV empty file and header-only file yield no records") {
  ReadOutcome empty = read_all("", FileFormat::kCsv);
  CHECK(empty.records.empty());
  CHECK_FALSE(empty.open_error);
  ReadOutcome header_only = read_all("prompt,response\r\n", FileFormat::kCsv);
  CHECK(header_only.records.empty());
  CHECK_FALSE(header_only.open_error);
}

TEST_CASE("CSV row over --max-record-bytes is flagged and the next row read") {
  ReaderOptions options;
  options.max_record_bytes = 20;
  const std::string long_row = "p,\"" + std::string(3000, 'r') + "\n,\"";
  ReadOutcome out = read_all("prompt,response\n" + long_row + "\nx,y\n", FileFormat::kCsv, options);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].text == long_row.substr(0, kTooLargeKeptBytes));
  CHECK(out.records[0].framing_error->message == "record of 3006 bytes exceeds --max-record-bytes (20)");
  CHECK(describe(out.records[1]) == "7:4:1@3023 [x,y] prompt=x response=y");
}

// ---------------------------------------------------------------------------------------------
// Format from content

TEST_CASE("Format from content: bracket array, brace JSONL, anything else CSV") {
  ReadOutcome array = read_all("\xEF\xBB\xBF\n [1,2]", FileFormat::kJsonl, {}, true);
  CHECK(texts(array) == std::vector<std::string>{"1", "2"});
  ReadOutcome jsonl = read_all("\n{\"a\":1}\n{\"b\":", FileFormat::kCsv, {}, true);
  CHECK(texts(jsonl) == std::vector<std::string>{"{\"a\":1}", "{\"b\":"});
  ReadOutcome csv = read_all("prompt,response\nhi,there\n", FileFormat::kJsonl, {}, true);
  REQUIRE(csv.records.size() == 1);
  CHECK(*csv.records[0].csv.response == "there");
  CHECK(read_all("", FileFormat::kCsv, {}, true).records.empty());
}

TEST_CASE("Readers report the raw byte count and sha256 of their input") {
  ReaderResult opened = open_reader(memory_source("abc"), "t", FileFormat::kJsonl, false, 0, {});
  RecordBatch batch;
  std::optional<IoError> error;
  while (opened.reader->next_batch(batch, error)) {
  }
  CHECK(opened.reader->raw_bytes_consumed() == 3);
  CHECK(opened.reader->raw_sha256() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---------------------------------------------------------------------------------------------
// RecordCountEstimate (record_stream.hpp): the sinks size their tables from it.

namespace {
tuneprep::Record record_of_bytes(size_t bytes) {
  tuneprep::Record record;
  record.text.assign(bytes - 1, 'x');  // plus its line end
  return record;
}
}  // namespace

TEST_CASE("the record count estimate comes once, from the first 1/64 of the input") {
  std::vector<tuneprep::InputFile> files(2);
  files[0].size = 48u << 20;
  files[1].size = 16u << 20;  // 64 MiB in all: the sample is 1 MiB
  tuneprep::RecordCountEstimate estimate(files);
  uint64_t found = 0;
  uint64_t calls = 0;
  for (int i = 0; i < 4096; ++i) {
    const uint64_t value = estimate.add(record_of_bytes(256));
    calls += value != 0;
    if (value != 0) {
      found = value;
      CHECK(i == 4095);  // 4,096 records of 256 bytes complete the MiB
    }
  }
  CHECK(calls == 1);
  CHECK(found == 64u * 4096);
  CHECK(estimate.add(record_of_bytes(256)) == 0);  // never again
}

TEST_CASE("no record count estimate for compressed or unsized inputs, or a sample that was all of it") {
  std::vector<tuneprep::InputFile> files(1);
  files[0].size = 64u << 20;
  files[0].compression = tuneprep::Compression::kGzip;
  tuneprep::RecordCountEstimate compressed(files);
  files[0].compression = tuneprep::Compression::kNone;
  files[0].size.reset();  // stdin
  tuneprep::RecordCountEstimate unsized(files);
  files[0].size = 1000;
  tuneprep::RecordCountEstimate small(files);
  for (int i = 0; i < 8192; ++i) {
    CHECK(compressed.add(record_of_bytes(256)) == 0);
    CHECK(unsized.add(record_of_bytes(256)) == 0);
    CHECK(small.add(record_of_bytes(256)) == 0);
  }
}
