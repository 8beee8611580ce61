// content_patterns: the regular expressions of the pattern rules and their one shared RE2::Set.
#include "checks/content_patterns.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tuneprep::checks {
namespace {

// Patterns find candidates; the Confirm step rejects the false ones (boundaries are checked there
// because RE2 has no lookaround). Keep them free of capturing groups: the per-pattern RE2 wraps
// each one in a single group to report where it matched.
constexpr ContentPattern kPatterns[] = {
    {RuleId::kPiiEmail, "an e-mail address",
     R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", Confirm::kEmail},
    // E.164-style international numbers (+44 20 7946 0958) and North American ones
    // ((555) 123-4567, 555-123-4567, 555.123.4567).
    {RuleId::kPiiPhone, "a phone number",
     R"(\+[1-9][0-9]{0,2}[ .-]?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{2,4}){2,4})",
     Confirm::kPhone},
    {RuleId::kPiiPhone, "a phone number", R"((?:\([0-9]{3}\) ?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4})",
     Confirm::kPhone},
    // 13 to 19 digits, optionally grouped by spaces or dashes, starting with a card issuer digit.
    {RuleId::kPiiCreditCard, "a payment card number", R"([2-6][0-9]{3}(?:[ -]?[0-9]){9,15})",
     Confirm::kCard},
    {RuleId::kSecretKey, "an OpenAI-style API key",
     R"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})", Confirm::kToken},
    {RuleId::kSecretKey, "an AWS access key id", R"((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})",
     Confirm::kToken},
    {RuleId::kSecretKey, "a GitHub token", R"(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})",
     Confirm::kToken},
    {RuleId::kSecretKey, "a Slack token", R"(xox[abposr]-[A-Za-z0-9-]{10,})", Confirm::kToken},
    {RuleId::kSecretKey, "a Google API key", R"(AIza[0-9A-Za-z_-]{35})", Confirm::kToken},
    {RuleId::kSecretKey, "a Stripe live key", R"([rs]k_live_[0-9A-Za-z]{16,})", Confirm::kToken},
    {RuleId::kSecretKey, "a private key block", R"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
     Confirm::kNone},
    {RuleId::kHtmlMarkup, "an HTML tag",
     R"((?i)</?(?:a|abbr|b|blockquote|body|br|button|center|div|dl|dd|dt|em|font|form|h[1-6]|head|hr|html|i|iframe|img|input|label|li|link|meta|nav|ol|p|script|section|select|small|span|strong|style|sub|sup|table|tbody|td|textarea|th|thead|title|tr|u|ul)(?:\s[^<>]*)?/?>)",
     Confirm::kOutsideCode},
    {RuleId::kHtmlMarkup, "an HTML entity",
     R"(&(?:nbsp|amp|lt|gt|quot|apos|mdash|ndash|hellip|rsquo|lsquo|rdquo|ldquo|#[0-9]{2,6}|#[xX][0-9a-fA-F]{2,6});)",
     Confirm::kOutsideCode},
    // UTF-8 read as Latin-1 or Windows-1252: "Ã©" for é, "Â " for a no-break space, "â€™" for ’;
    // and U+FFFD, left behind by a decoder that gave up.
    {RuleId::kMojibake, "mojibake",
     R"([ÂÃ][\x{80}-\x{BF}]|Ã[\x{152}\x{153}\x{160}\x{161}\x{178}\x{17D}\x{17E}\x{192}\x{2C6}\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201E}\x{2020}-\x{2022}\x{2026}\x{2030}\x{2039}\x{203A}\x{20AC}\x{2122}]|â€[\x{80}-\x{BF}\x{152}\x{153}\x{161}\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201E}\x{2022}\x{2026}\x{2122}]|\x{FFFD})",
     Confirm::kNone},
    // C0 controls but tab, LF and CR; DEL; C1 controls.
    {RuleId::kControlCharacter, "a control character", R"([\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{80}-\x{9F}])",
     Confirm::kNone},
    {RuleId::kRefusalBoilerplate, "assistant boilerplate",
     R"((?i)\bas an ai(?: language)? model\b|\bas a (?:large )?language model\b|\bas an ai (?:assistant|developed by)\b|\bi(?:'|’)?m (?:just |only )?an ai\b|\bi am (?:just |only )?an ai\b|\bi (?:do not|don't|don’t) have (?:personal )?(?:opinions|feelings|emotions|beliefs|preferences)\b|\bmy (?:knowledge|training data) (?:cutoff|cut-off)\b)",
     Confirm::kNone},
};

[[noreturn]] void fail_compile(std::string_view what, std::string_view error) {
  // The patterns are constants: a failure is a programming error caught by the first test run.
  std::fprintf(stderr, "tuneprep: internal error compiling %.*s: %.*s\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(error.size()),
               error.data());
  std::abort();
}

}  // namespace

ContentPatterns::ContentPatterns() : patterns_(std::begin(kPatterns), std::end(kPatterns)) {
  RE2::Options options;
  options.set_log_errors(false);
  // The DFA of the whole set needs more than RE2's 8 MB default to stay out of the slow NFA.
  options.set_max_mem(64 << 20);
  set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const ContentPattern& p : patterns_) {
    std::string error;
    if (set_->Add(re2::StringPiece(p.regex.data(), p.regex.size()), &error) < 0) {
      fail_compile(p.regex, error);
    }
    std::string grouped;  // one capturing group: where the pattern matched
    grouped.reserve(p.regex.size() + 2);
    grouped.append("(").append(p.regex).append(")");
    auto re = std::make_unique<RE2>(grouped, options);
    if (!re->ok()) fail_compile(p.regex, re->error());
    regexes_.push_back(std::move(re));
  }
  if (!set_->Compile()) fail_compile("the content pattern set", "out of memory");
}

const ContentPatterns& ContentPatterns::instance() {
  static const ContentPatterns patterns;  // thread-safe one-time initialisation
  return patterns;
}

void ContentPatterns::match(std::string_view text, std::vector<int>& hits) const {
  hits.clear();
  set_->Match(re2::StringPiece(text.data(), text.size()), &hits);
}

}  // namespace tuneprep::checks
