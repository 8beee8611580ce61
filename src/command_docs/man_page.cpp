// command_docs: man pages in roff with the man(7) macros, the set every man implementation reads
// (groff's an.tmac, mandoc). Sections in the order of man-pages(7).
#include <algorithm>
#include <cctype>

#include "tuneprep/command_docs.hpp"

namespace tuneprep {
namespace {

// Text for roff: a backslash is \e, every '-' is \- (an ASCII minus, so options copy and paste
// from a rendered page; a bare '-' may render as a hyphen), and a line that would start with '.'
// or '\'' (a request) is protected with \&.
std::string roff(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "\fB\-o\fR, \fB\-\-output\fR \fITEXT\fR"
std::string option_heading(const OptionDoc& option) {
  std::string out;
  if (option.positional) return "\\fI" + roff(option.names.front()) + "\\fR" + (option.repeatable ? "..." : "");
  for (size_t i = 0; i < option.names.size(); ++i) {
    if (i > 0) out += ", ";
    out += "\\fB" + roff(option.names[i]) + "\\fR";
  }
  if (!option.value_name.empty()) out += " \\fI" + roff(option.value_name) + "\\fR";
  return out;
}

std::string join_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += ", ";
    out += "\\fB" + roff(choices[i]) + "\\fR";
  }
  return out;
}

// `skip`: names already on the page (a subcommand's own -h, --help); the root's options that use
// one are left out, and so is --version, which only the root takes.
void option_list(std::string& out, const std::vector<OptionDoc>& options, const std::vector<OptionDoc>* skip = nullptr) {
  for (const OptionDoc& option : options) {
    if (skip != nullptr) {
      if (option.names.front() == "--version") continue;
      bool taken = false;
      for (const OptionDoc& other : *skip) {
        for (const std::string& name : option.names) {
          if (std::find(other.names.begin(), other.names.end(), name) != other.names.end()) taken = true;
        }
      }
      if (taken) continue;
    }
    out += ".TP\n" + option_heading(option) + "\n" + roff(option.help);
    if (!option.help.empty() && option.help.back() != '.') out += ".";
    std::string notes;
    if (!option.choices.empty()) {
      notes += " One of " + join_choices(option.choices) + ".";
    } else if (!option.value_constraint.empty()) {
      notes += " Allowed: " + roff(option.value_constraint) + ".";
    }
    if (!option.default_value.empty()) notes += " Default: \\fB" + roff(option.default_value) + "\\fR.";
    if (option.required) notes += " Required.";
    if (option.repeatable && !option.positional) notes += " Takes several values.";
    out += notes + "\n";
  }
}

void paragraphs(std::string& out, std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string_view::npos) end = text.size();
    if (start > 0) out += ".PP\n";
    out += roff(text.substr(start, end - start)) + "\n";
    start = end + 2;
  }
}

void header(std::string& out, const std::string& page, const std::string& title_line, const ManPageOptions& options) {
  out += ".\\\" " + page + ": generated from the command-line definitions by `tuneprep manpage`; do not edit.\n";
  out += ".TH \"" + upper(roff(page)) + "\" 1 \"" + options.date + "\" \"tuneprep " + roff(options.version) +
         "\" \"tuneprep manual\"\n";
  // Left-aligned, no hyphenation: option names and values stay whole, as they are typed.
  out += ".nh\n.ad l\n";
  out += ".SH NAME\n" + title_line + "\n";
}

void common_tail(std::string& out, const CommandDoc& root, const CommandDoc& command) {
  out += ".SH \"EXIT STATUS\"\n";
  for (const ExitStatusDoc& status : exit_statuses()) {
    out += ".TP\n.B " + std::to_string(status.code) + "\n" + roff(status.meaning) + "\n";
  }
  if (!command.examples.empty()) {
    out += ".SH EXAMPLES\n";
    for (const ExampleDoc& example : command.examples) {
      out += ".PP\n" + roff(example.explanation) + "\n.PP\n.RS 4\n.nf\n" + roff(example.command) + "\n.fi\n.RE\n";
    }
  }
  if (!root.environment.empty()) {
    out += ".SH ENVIRONMENT\n";
    for (const TermDoc& term : root.environment) out += ".TP\n.B " + roff(term.term) + "\n" + roff(term.meaning) + "\n";
  }
  if (!root.files.empty()) {
    out += ".SH FILES\n";
    for (const TermDoc& term : root.files) out += ".TP\n.I " + roff(term.term) + "\n" + roff(term.meaning) + "\n";
  }
}

}  // namespace

std::string render_man_page(const CommandDoc& root, const ManPageOptions& options) {
  std::string out;
  const std::string page = root.name;
  header(out, page, roff(root.name) + " \\- " + roff(root.summary), options);
  out += ".SH SYNOPSIS\n.B " + roff(root.name) + "\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n";
  out += ".SH DESCRIPTION\n";
  paragraphs(out, root.description.empty() ? root.summary : root.description);
  out += ".SH COMMANDS\n";
  for (const CommandDoc& command : root.subcommands) {
    out += ".TP\n.B " + roff(command.name) + "\n" + roff(command.summary) + ". See \\fB" +
           roff(root.name + "-" + command.name) + "\\fR(1).\n";
  }
  out += ".SH OPTIONS\nGiven before the command (or after it: every command accepts them).\n";
  option_list(out, root.options);
  common_tail(out, root, root);
  out += ".SH \"SEE ALSO\"\n";
  for (size_t i = 0; i < root.subcommands.size(); ++i) {
    out += "\\fB" + roff(root.name + "-" + root.subcommands[i].name) + "\\fR(1)";
    out += i + 1 < root.subcommands.size() ? ",\n" : "\n";
  }
  return out;
}

std::string render_man_page(const CommandDoc& root, const CommandDoc& command, const ManPageOptions& options) {
  std::string out;
  const std::string page = root.name + "-" + command.name;
  header(out, page, roff(page) + " \\- " + roff(command.summary), options);
  out += ".SH SYNOPSIS\n.B " + roff(root.name) + "\n[\\fIGLOBAL OPTIONS\\fR]\n.B " + roff(command.name) +
         "\n[\\fIOPTIONS\\fR]";
  for (const OptionDoc& option : command.options) {
    if (!option.positional) continue;
    std::string name = "\\fI" + roff(option.names.front()) + "\\fR" + (option.repeatable ? "..." : "");
    out += option.required ? " " + name : " [" + name + "]";
  }
  out += "\n.SH DESCRIPTION\n";
  paragraphs(out, command.description.empty() ? command.summary : command.description);
  out += ".SH OPTIONS\n";
  option_list(out, command.options);
  out += ".SH \"GLOBAL OPTIONS\"\nGiven before or after the command; see \\fB" + roff(root.name) + "\\fR(1).\n";
  option_list(out, root.options, &command.options);
  common_tail(out, root, command);
  out += ".SH \"SEE ALSO\"\n\\fB" + roff(root.name) + "\\fR(1)\n";
  return out;
}

}  // namespace tuneprep
