// Unit tests of the tokenizer: embedded data, pretokenizer pieces, special tokens, UTF-8
// replacement, decoding, thread safety and chat accounting.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <string>
#include <thread>
#include <vector>

#include "tuneprep/models.hpp"
#include "tuneprep/analysis.hpp"
#include "tuneprep/tokenizer.hpp"

#include "example_builders.hpp"

using namespace tuneprep;

namespace {

std::vector<std::string> pieces_of(EncodingId id, std::string_view text) {
  std::vector<std::string_view> views;
  REQUIRE(Encoding::get(id).pretokenize(text, views));
  return {views.begin(), views.end()};
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// sha256 of the .tiktoken file rebuilt from the loaded table.
std::string rebuilt_tiktoken_sha256(const Encoding& encoding) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (TokenId id = 0; id < encoding.mergeable_token_count(); ++id) {
    const std::string line = base64(encoding.token_bytes(id)) + " " + std::to_string(id) + "\n";
    EVP_DigestUpdate(ctx, line.data(), line.size());
  }
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx, digest, &size);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned char b : digest) {
    hex += "0123456789abcdef"[b >> 4];
    hex += "0123456789abcdef"[b & 15];
  }
  return hex;
}

}  // namespace

TEST_CASE("embedded rank tables are byte-identical to the official .tiktoken files") {
  // The expected_hash values pinned by tiktoken_ext/openai_public.py.
  CHECK(rebuilt_tiktoken_sha256(Encoding::get(EncodingId::kCl100kBase)) ==
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7");
  CHECK(rebuilt_tiktoken_sha256(Encoding::get(EncodingId::kO200kBase)) ==
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d");
  CHECK(Encoding::get(EncodingId::kCl100kBase).n_vocab() == 100277);
  CHECK(Encoding::get(EncodingId::kO200kBase).n_vocab() == 200019);
}

TEST_CASE("rank_data_sha256 is the hash tiktoken pins for the embedded file (what `version --json` shows)") {
  CHECK(rank_data_sha256(EncodingId::kCl100kBase) == "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7");
  CHECK(rank_data_sha256(EncodingId::kO200kBase) == "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d");
}

TEST_CASE("encoding names round-trip") {
  CHECK(encoding_from_name("cl100k_base") == EncodingId::kCl100kBase);
  CHECK(encoding_from_name("o200k_base") == EncodingId::kO200kBase);
  CHECK_FALSE(encoding_from_name("p50k_base").has_value());
  CHECK(Encoding::get(EncodingId::kO200kBase).name() == "o200k_base");
}

TEST_CASE("hello world encodes to tiktoken's ids") {
  CHECK(Encoding::get(EncodingId::kCl100kBase).encode("hello world") == std::vector<TokenId>{15339, 1917});
  CHECK(Encoding::get(EncodingId::kO200kBase).encode("hello world") == std::vector<TokenId>{24912, 2375});
  CHECK(Encoding::get(EncodingId::kO200kBase).count("hello world") == 2);
  CHECK(Encoding::get(EncodingId::kO200kBase).count("") == 0);
}

TEST_CASE("cl100k pretokenizer splits contractions, digit groups, spaces and newlines") {
  const auto cl = EncodingId::kCl100kBase;
  CHECK(pieces_of(cl, "I'm don't") == std::vector<std::string>{"I", "'m", " don", "'t"});
  CHECK(pieces_of(cl, "'S'\xC5\xBF's") == std::vector<std::string>{"'S", "'\xC5\xBF", "'s"});
  CHECK(pieces_of(cl, "'sup") == std::vector<std::string>{"'s", "up"});
  CHECK(pieces_of(cl, "12345") == std::vector<std::string>{"123", "45"});
  CHECK(pieces_of(cl, "a  b") == std::vector<std::string>{"a", " ", " b"});
  CHECK(pieces_of(cl, "a \n\n  b") == std::vector<std::string>{"a", " \n\n", " ", " b"});
  CHECK(pieces_of(cl, "x   ") == std::vector<std::string>{"x", "   "});
  CHECK(pieces_of(cl, "hi!!\n\nyo") == std::vector<std::string>{"hi", "!!\n\n", "yo"});
  CHECK(pieces_of(cl, " (x)") == std::vector<std::string>{" (", "x", ")"});
  // U+FEFF is not white space for the Rust regex engine: it prefixes the word like punctuation.
  CHECK(pieces_of(cl, "\xEF\xBB\xBFhi") == std::vector<std::string>{"\xEF\xBB\xBFhi"});
  // A combining mark is not a letter in cl100k: it prefixes the next letter run.
  CHECK(pieces_of(cl, "e\xCC\x81t") == std::vector<std::string>{"e", "\xCC\x81t"});
}

TEST_CASE("o200k pretokenizer follows letter case and keeps contractions on the word") {
  const auto o2 = EncodingId::kO200kBase;
  CHECK(pieces_of(o2, "don't") == std::vector<std::string>{"don't"});
  CHECK(pieces_of(o2, "HelloWorld") == std::vector<std::string>{"Hello", "World"});
  CHECK(pieces_of(o2, "helloWORLD") == std::vector<std::string>{"hello", "WORLD"});
  CHECK(pieces_of(o2, "HELLOworld") == std::vector<std::string>{"HELLOworld"});
  CHECK(pieces_of(o2, "\xE6\x97\xA5" "A") == std::vector<std::string>{"\xE6\x97\xA5", "A"});  // 日A
  CHECK(pieces_of(o2, "a!\n/b") == std::vector<std::string>{"a", "!\n/", "b"});
  CHECK(pieces_of(o2, "1234567") == std::vector<std::string>{"123", "456", "7"});
  CHECK(pieces_of(o2, "I'M here") == std::vector<std::string>{"I'M", " here"});
}

TEST_CASE("special-token text is ordinary text unless allowed") {
  const Encoding& cl = Encoding::get(EncodingId::kCl100kBase);
  CHECK(cl.encode("<|endoftext|>", SpecialTokens::kAllow) == std::vector<TokenId>{100257});
  CHECK(cl.count("<|endoftext|>") == 7);
  CHECK(cl.count("<|endoftext|>") == cl.encode("<|endoftext|>").size());
  CHECK(cl.encode("a<|endofprompt|>b", SpecialTokens::kAllow) == std::vector<TokenId>{64, 100276, 65});
  CHECK(cl.count("<|endoftext|><|endoftext|>", SpecialTokens::kAllow) == 2);
  const Encoding& o2 = Encoding::get(EncodingId::kO200kBase);
  CHECK(o2.encode("<|endoftext|>", SpecialTokens::kAllow) == std::vector<TokenId>{199999});
  // <|fim_prefix|> is not special in o200k_base.
  CHECK(o2.count("<|fim_prefix|>", SpecialTokens::kAllow) == o2.count("<|fim_prefix|>"));
  CHECK(o2.count("<|fim_prefix|>") > 1);
}

TEST_CASE("invalid UTF-8 is replaced per maximal subpart, as TextDecoder does") {
  const std::string fffd = "\xEF\xBF\xBD";
  auto replaced = [](std::string_view in) {
    std::string out;
    replace_invalid_utf8(in, out);
    return out;
  };
  CHECK(replaced("ok") == "ok");
  CHECK(replaced("\xED\xA0\x80") == fffd + fffd + fffd);  // a UTF-16 surrogate in UTF-8
  CHECK(replaced("\xE2\x82") == fffd);                     // truncated sequence: one U+FFFD
  CHECK(replaced("\xF0\x9F\x98(") == fffd + "(");
  CHECK(replaced("\xC0\x80") == fffd + fffd);              // overlong
  CHECK(replaced("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  CHECK(replaced("a\xFF" "b") == "a" + fffd + "b");
  const Encoding& o2 = Encoding::get(EncodingId::kO200kBase);
  CHECK(o2.encode("x\xFFy") == o2.encode("x" + fffd + "y"));
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK(is_valid_utf8("\xE2\x82\xAC"));
}

TEST_CASE("decode rejects unknown ids and renders special tokens") {
  const Encoding& cl = Encoding::get(EncodingId::kCl100kBase);
  std::string out;
  CHECK(cl.decode(std::vector<TokenId>{15339, 100257}, out));
  CHECK(out == "hello<|endoftext|>");
  out.clear();
  CHECK_FALSE(cl.decode(std::vector<TokenId>{15339, 100256, 1917}, out));  // 100256 is unassigned
  CHECK(out == "hello");
  CHECK(cl.token_bytes(100300).empty());
  CHECK(cl.token_of("hello") == TokenId{15339});
  CHECK_FALSE(cl.token_of("").has_value());
}

TEST_CASE("long pieces merge exactly and without quadratic time") {
  const Encoding& cl = Encoding::get(EncodingId::kCl100kBase);
  const std::string letters(1 << 20, 'a');  // one 1 MiB piece
  const std::vector<TokenId> ids = cl.encode(letters);
  CHECK(ids.size() == cl.count(letters));
  std::string decoded;
  REQUIRE(cl.decode(ids, decoded));
  CHECK(decoded == letters);
  // The merge is deterministic: the same 1 MiB run splits into repeats of one token.
  CHECK(ids.front() == ids[ids.size() / 2]);
}

TEST_CASE("concurrent first use loads each encoding once and gives identical results") {
  const std::string text = "Concurrent tokenization 🙂 über 12345 \r\n don't";
  std::vector<size_t> counts(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t] {
      const auto id = t % 2 ? EncodingId::kO200kBase : EncodingId::kCl100kBase;
      counts[t] = Encoding::get(id).count(text);
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < counts.size(); ++t) {
    const auto id = t % 2 ? EncodingId::kO200kBase : EncodingId::kCl100kBase;
    CHECK(counts[t] == Encoding::get(id).encode(text).size());
  }
}

TEST_CASE("models resolve by exact name, longest prefix and fine-tuned id") {
  auto exact = find_model("gpt-4o-mini-2024-07-18");
  REQUIRE(exact);
  CHECK(exact->exact);
  CHECK(exact->model->encoding == EncodingId::kO200kBase);
  CHECK(exact->model->max_example_tokens == 65536);
  auto prefixed = find_model("gpt-4o-mini-2099-01-01");
  REQUIRE(prefixed);
  CHECK_FALSE(prefixed->exact);
  CHECK(prefixed->model->name == "gpt-4o-mini");
  auto fine_tuned = find_model("ft:gpt-3.5-turbo-0613:acme::8abc");
  REQUIRE(fine_tuned);
  CHECK(fine_tuned->model->name == "gpt-3.5-turbo-0613");
  CHECK(fine_tuned->model->max_example_tokens == 4096);
  CHECK(find_model("davinci-002")->model->encoding == EncodingId::kCl100kBase);
  CHECK(find_model("gpt-3.5-turbo")->model->max_example_tokens == 16385);
  CHECK_FALSE(find_model("llama-3").has_value());
  for (const ModelInfo& model : all_models()) {
    CHECK(find_model(model.name)->model == &model);
    CHECK(!model.source.empty());
  }
}

using test::message;

TEST_CASE("chat accounting follows the cookbook formula and splits trained tokens") {
  const Encoding& cl = Encoding::get(EncodingId::kCl100kBase);
  Example example;
  example.messages = {message(Role::kSystem, "You are helpful."), message(Role::kUser, "Hi"),
                      message(Role::kAssistant, "Hello!")};
  // 3 messages x (3 + 1 role token) + content 4 ("You", " are", " helpful", ".") + 1 + 2
  // ("Hello", "!") + 3 reply priming.
  ChatTokenCount count = count_chat_tokens(cl, example);
  CHECK(count.total == 22);
  CHECK(count.trained == 3);  // "Hello!" and the end-of-message token
  CHECK(count.prompt == 19);
  CHECK(count.estimated == 0);

  example.messages[1].name = "bob";  // +1 for "bob", +1 per name
  example.messages[2].weight = 0;
  count = count_chat_tokens(cl, example);
  CHECK(count.total == 24);
  CHECK(count.trained == 0);
  CHECK(count.prompt == 24);

  example.messages[2].weight = 1;
  example.messages[2].tool_calls_json = R"([{"id":"c1"}])";
  example.tools_json = R"([{"type":"function"}])";
  count = count_chat_tokens(cl, example);
  const size_t calls = cl.count(example.messages[2].tool_calls_json);
  const size_t tools = cl.count(example.tools_json);
  CHECK(count.estimated == calls + tools);
  CHECK(count.total == 24 + calls + tools);
  CHECK(count.trained == 3 + calls);
}

TEST_CASE("preference accounting counts the prompt with each answer") {
  const Encoding& o2 = Encoding::get(EncodingId::kO200kBase);
  Example example;
  example.kind = ExampleKind::kPreference;
  example.messages = {message(Role::kUser, "Hi")};
  example.preferred = {message(Role::kAssistant, "Hello there")};
  example.non_preferred = {message(Role::kAssistant, "Go away")};
  const PreferenceTokenCount count = count_preference_tokens(o2, example);
  CHECK(count.preferred.total == 2 * 4 + 1 + o2.count("Hello there") + 3);
  CHECK(count.non_preferred.total == 2 * 4 + 1 + o2.count("Go away") + 3);
  CHECK(count.preferred.trained == o2.count("Hello there") + 1);
  CHECK(count_chat_tokens(o2, example).total == count.preferred.total);
}

TEST_CASE("last_safe_split cuts only after a newline before a letter or digit") {
  CHECK(last_safe_split("") == 0);
  CHECK(last_safe_split("abc") == 0);
  CHECK(last_safe_split("a\nb") == 2);
  CHECK(last_safe_split("a\n1\n ") == 2);       // "\n " is not a cut point
  CHECK(last_safe_split("a\n\xE6\x97\xA5x\n!") == 2);  // before 日 (a letter), not before '!'
  CHECK(last_safe_split("a\n\xE6\x97") == 0);         // a truncated sequence is not a letter
  CHECK(last_safe_split("\nx") == 1);
  // Encoding the two sides separately gives the ids of the whole, for both encodings.
  const std::string text = "Hi!\n\n  \nWorld 12\n\xD0\x9F\xD1\x80\xD0\xB8\n/x\n7";
  for (EncodingId id : kAllEncodings) {
    const Encoding& encoding = Encoding::get(id);
    std::string_view rest = text;
    std::vector<TokenId> pieces;
    while (size_t cut = last_safe_split(rest)) {
      std::vector<TokenId> tail = encoding.encode(rest.substr(cut));
      pieces.insert(pieces.begin(), tail.begin(), tail.end());
      rest = rest.substr(0, cut);
    }
    std::vector<TokenId> head = encoding.encode(rest);
    pieces.insert(pieces.begin(), head.begin(), head.end());
    CHECK(pieces == encoding.encode(text));
  }
}
