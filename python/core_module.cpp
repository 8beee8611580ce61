// tuneprep._core: the C++ side of `import tuneprep`. Each run parses its options with the command
// line's own code (src/cli/command_options.hpp) from the arguments python/tuneprep/__init__.py
// builds, calls the library's run function without the GIL on a thread of its own while the
// calling thread watches for Ctrl-C, and returns what the command prints with --json (the same
// renderers), which the Python side parses. Usage problems raise UsageError, I/O problems IoError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <simdjson.h>

#include "cli/backend/backend_commands.hpp"
#include "cli/cli.hpp"
#include "cli/command_options.hpp"
#include "tuneprep/analysis.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/tokenizer.hpp"
#include "tuneprep/tokens_run.hpp"

namespace py = pybind11;

namespace tuneprep::python {
namespace {

// The exception types, created at import (tuneprep re-exports them).
PyObject* g_usage_error = nullptr;
PyObject* g_io_error = nullptr;

[[noreturn]] void raise(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

// ---------------------------------------------------------------------------------------------
// Options: `tuneprep <command> ARGS` parsed as the command line parses it.

// Parses `args` (what follows the command name) with the top-level options and the command's
// own, as run_cli does; CLI11's message or the command's own check becomes a UsageError.
template <class... Options>
void parse_command(const char* name, const std::vector<std::string>& args,
                   cli::OptionsBuilder<Options...> (*add_options)(CLI::App&, const cli::GlobalOptions&),
                   Options&... options) {
  CLI::App app{"tuneprep"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::GlobalOptions global;
  cli::add_global_options(app, global);
  CLI::App* command = app.add_subcommand(name);
  const cli::OptionsBuilder<Options...> build = add_options(*command, global);

  std::vector<const char*> argv = {"tuneprep", name};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    raise(g_usage_error, command->help());
  } catch (const CLI::ParseError& e) {
    raise(g_usage_error, e.what());
  }
  if (std::optional<std::string> error = build(options...)) raise(g_usage_error, *error);
}

// An unknown --model, or --truncate without a limit, is a usage error of the command; the runs
// report it among their I/O errors (the command exits 2 for both), so it is resolved here first.
void check_tokens(const std::optional<TokenRequest>& request) {
  IoError error;
  if (request && !resolve_token_budget(*request, error)) raise(g_usage_error, error.message);
}

// ---------------------------------------------------------------------------------------------
// Long runs: off the GIL, interruptible.

// Runs `work` on a thread of its own while this thread, which holds the GIL, checks for signals
// every 50 ms. Python's SIGINT handler only sets a flag that PyErr_CheckSignals turns into
// KeyboardInterrupt; when it does, `cancel` (ReaderOptions::cancel) stops the run between batches,
// the run cleans up as after any error, and the KeyboardInterrupt is raised once it has returned.
template <class Result>
Result run_interruptible(const std::function<Result(const std::atomic<bool>& cancel)>& work) {
  std::atomic<bool> cancel{false};
  std::future<Result> done = std::async(std::launch::async, [&] { return work(cancel); });
  std::optional<py::error_already_set> interrupted;
  for (;;) {
    {
      py::gil_scoped_release release;
      if (done.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) break;
    }
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted.emplace();  // fetches the pending exception
      cancel = true;
    }
  }
  Result result = done.get();
  if (interrupted) throw *interrupted;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tokens.

// The encoding of `model` / `encoding` as every command resolves it (resolve_token_budget).
const Encoding& resolve_encoding(const std::optional<std::string>& model, const std::optional<std::string>& encoding) {
  TokenRequest request;
  request.model = model.value_or("");
  if (encoding) {
    request.encoding = encoding_from_name(*encoding);
    if (!request.encoding) {
      // CLI11's IsMember text, as `tokens --encoding` prints it.
      raise(g_usage_error, fmt::format("--encoding: {} not in {{cl100k_base,o200k_base}}", *encoding));
    }
  }
  IoError error;
  const std::optional<TokenBudget> budget = resolve_token_budget(request, error);
  if (!budget) raise(g_usage_error, error.message);
  return *budget->encoding;
}

// The bytes of a str (UTF-8) or bytes object.
std::string_view text_bytes(const py::handle& text) {
  if (PyBytes_Check(text.ptr())) {
    char* data = nullptr;
    Py_ssize_t size = 0;
    PyBytes_AsStringAndSize(text.ptr(), &data, &size);
    return {data, static_cast<size_t>(size)};
  }
  if (PyUnicode_Check(text.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
    if (data == nullptr) throw py::error_already_set();
    return {data, static_cast<size_t>(size)};
  }
  throw py::type_error("text must be str or bytes");
}

// Below this many bytes the GIL is kept: releasing it costs more than counting.
constexpr size_t kReleaseGilBytes = 64 * 1024;

size_t count_tokens(const py::object& text, const std::optional<std::string>& model,
                    const std::optional<std::string>& encoding) {
  const Encoding& enc = resolve_encoding(model, encoding);
  const std::string_view bytes = text_bytes(text);
  if (bytes.size() < kReleaseGilBytes) return enc.count(bytes);
  py::gil_scoped_release release;
  return enc.count(bytes);
}

std::vector<TokenId> encode(const py::object& text, const std::optional<std::string>& model,
                            const std::optional<std::string>& encoding) {
  const Encoding& enc = resolve_encoding(model, encoding);
  const std::string_view bytes = text_bytes(text);
  if (bytes.size() < kReleaseGilBytes) return enc.encode(bytes);
  py::gil_scoped_release release;
  return enc.encode(bytes);
}

// One record of `tokens --chat --model MODEL` (record_tokens: the record analysis, then the chat
// accounting): its JSON object, without "line".
std::string chat_tokens(const std::string& record_json, const std::string& model) {
  TokenRequest request;
  request.model = model;
  IoError error;
  const std::optional<TokenBudget> budget = resolve_token_budget(request, error);
  if (!budget) raise(g_usage_error, error.message);
  Record record;
  record.text.reserve(record_json.size() + simdjson::SIMDJSON_PADDING);
  record.text = record_json;
  // Built once: setting up the analysis costs far more than one record. Never destroyed, so no
  // thread-local state of it outlives oneTBB at exit.
  static const RecordAnalyzer& analyzer = *new RecordAnalyzer(tokens_analysis(NormalizeOptions{}));
  RecordAnalysis analysis;
  std::string line;
  record_tokens(record, "", analyzer, analysis, RecordTokensOptions{budget->encoding, budget->limit}, line);
  return line;
}

py::list models() {
  py::list out;
  for (const ModelInfo& model : all_models()) {
    py::dict row;
    row["name"] = std::string(model.name);
    row["encoding"] = std::string(encoding_name(model.encoding));
    row["max_tokens"] = model.max_example_tokens;
    out.append(std::move(row));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The runs. Each returns what its command prints as JSON, and the input notes (files read once,
// entries skipped) that the command prints on stderr.

struct RunOutput {
  std::string json;
  std::vector<std::string> notes;
};

// validate --output-format json: JSON Lines, one diagnostic per line.
RunOutput validate(const std::vector<std::string>& args) {
  ValidateOptions options;
  cli::ValidateListing listing;
  parse_command("validate", args, &cli::add_validate_options, options, listing);
  check_tokens(options.tokens);
  ValidateResult result = run_interruptible<ValidateResult>([&](const std::atomic<bool>& cancel) {
    ValidateOptions run = options;
    run.reader.cancel = &cancel;
    return run_validate(run);
  });
  if (result.error) raise(g_io_error, result.error->message);
  cli::drop_below(result.diagnostics, listing.min_severity);
  return {format_json_lines(result.diagnostics, listing.max_diagnostics), std::move(result.input_notes)};
}

// prepare --json: the summary (the manifest's fields, output_dir, seconds).
RunOutput prepare(const std::vector<std::string>& args) {
  PrepareOptions options;
  parse_command("prepare", args, &cli::add_prepare_options, options);
  check_tokens(options.tokens);
  std::vector<std::string> notes;
  options.on_note = [&notes](const std::string& note) { notes.push_back(note); };  // from the run's thread
  PrepareResult result = run_interruptible<PrepareResult>([&](const std::atomic<bool>& cancel) {
    PrepareOptions run = options;
    run.reader.cancel = &cancel;
    return run_prepare(run);
  });
  if (result.error) raise(g_io_error, result.error->message);
  return {cli::prepare_summary_json(options, result.summary), std::move(notes)};
}

// stats --json FILE: every figure of the report.
RunOutput stats(const std::vector<std::string>& args) {
  StatsRunOptions options;
  parse_command("stats", args, &cli::add_stats_options, options);
  if (options.count_tokens) check_tokens(options.tokens);
  StatsRunResult result = run_interruptible<StatsRunResult>([&](const std::atomic<bool>& cancel) {
    StatsRunOptions run = options;
    run.reader.cancel = &cancel;
    return run_stats(run);
  });
  if (result.error) raise(g_io_error, result.error->message);
  return {render_json(result.report), std::move(result.input_notes)};
}

// The whole command line, for the wheel's `tuneprep` console script: run_cli installs the CLI's
// own signal handling, so it behaves as the binary does.
int run_cli(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::vector<std::string> storage = args;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int code = 0;
  {
    py::gil_scoped_release release;
    code = cli::run_cli(static_cast<int>(storage.size()), argv.data(), cli::kBackendCommands);
    std::fflush(stdout);
    std::fflush(stderr);
  }
  return code;
}

}  // namespace
}  // namespace tuneprep::python

PYBIND11_MODULE(_core, m) {
  namespace tp = tuneprep::python;
  m.doc() = "tuneprep's C++ core; use the tuneprep package, not this module.";
  m.attr("__version__") = TUNEPREP_VERSION;
  tp::g_usage_error = PyErr_NewExceptionWithDoc(
      "tuneprep.UsageError", "A wrong option or option value: the message is the command line's.", PyExc_ValueError,
      nullptr);
  tp::g_io_error = PyErr_NewExceptionWithDoc(
      "tuneprep.IoError", "An input or output problem (the command line's exit code 2): the message names the path.",
      PyExc_OSError, nullptr);
  m.attr("UsageError") = py::handle(tp::g_usage_error);
  m.attr("IoError") = py::handle(tp::g_io_error);

  py::class_<tp::RunOutput>(m, "RunOutput")
      .def_readonly("json", &tp::RunOutput::json)
      .def_readonly("notes", &tp::RunOutput::notes);

  m.def("models", &tp::models);
  m.def("count_tokens", &tp::count_tokens, py::arg("text"), py::arg("model"), py::arg("encoding"));
  m.def("encode", &tp::encode, py::arg("text"), py::arg("model"), py::arg("encoding"));
  m.def("chat_tokens", &tp::chat_tokens, py::arg("record_json"), py::arg("model"));
  m.def("validate", &tp::validate, py::arg("args"));
  m.def("prepare", &tp::prepare, py::arg("args"));
  m.def("stats", &tp::stats, py::arg("args"));
  m.def("run_cli", &tp::run_cli, py::arg("argv"));
}
