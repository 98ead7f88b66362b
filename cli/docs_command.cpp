// magsim docs TOPIC: the generated pages of docs/, printed from the program's own tables so that
// they cannot fall behind it. tests/test_docs.cpp regenerates each page and compares it byte for
// byte with the committed file.
//
//   vocabulary        docs/vocabulary.md        salt forms, drugs, conditions, measured start
//                                               values, output series, clinical thresholds, the
//                                               limits behind `magsim check`'s warnings, unit kinds
//   parameters        docs/parameters.md        every model parameter (as `magsim params`)
//   validation-cases  docs/validation-cases.md  the validation cases of tests/validation
//   cli-help          docs/cli-help.md          every command's --help text
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/text_output.hpp"
#include "cli/commands.hpp"
#include "cli/source_tree.hpp"
#include "app/docs_pages.hpp"
#include "app/model.hpp"

namespace magsim::cli {
namespace {

namespace fs = std::filesystem;

const char* kDocsUsage =
    "usage: magsim docs TOPIC [--cases-dir DIR]\n"
    "       magsim docs --write DOCS_DIR [--cases-dir DIR]\n"
    "\n"
    "Print one generated page of the documentation (Markdown) on stdout, made from the\n"
    "program's own tables, or write every generated page into DOCS_DIR (each through a\n"
    "temporary file renamed into place). The tests compare the committed pages in docs/ with\n"
    "this output; after a change of the model or of a command, regenerate them with\n"
    "    build/bin/magsim docs --write docs\n"
    "\n"
    "topics (and the file each belongs in):\n"
    "  vocabulary          docs/vocabulary.md: salt forms, drugs, conditions, measured start\n"
    "                      values, output series, clinical thresholds, check limits, unit kinds\n"
    "  parameters          docs/parameters.md: every model parameter (as `magsim params`)\n"
    "  validation-cases    docs/validation-cases.md: the cases of tests/validation\n"
    "  cli-help            docs/cli-help.md: the --help text of every command\n"
    "\n"
    "  --cases-dir DIR     the validation case files (default: tests/validation in the source\n"
    "                      tree)\n";

// ---- command help ----------------------------------------------------------------------------

// What `command --help` prints, captured from std::cout.
std::string help_of(int (*command)(const Args&), const Args& args) {
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  try {
    command(args);
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return captured.str();
}

std::string cli_help_page() {
  struct Entry {
    const char* name;
    int (*command)(const Args&);
    Args args;
  };
  const std::vector<Entry> entries{
      {"run", run_command, {"--help"}},
      {"check", check_command, {"--help"}},
      {"params", params_command, {"--help"}},
      {"validate", validate_command, {"--help"}},
      {"sensitivity", sensitivity_command, {"--help"}},
      {"sweep", sweep_command, {"--help"}},
      {"merge", merge_command, {"--help"}},
      {"dataset", dataset_command, {"--help"}},
      {"fit", fit_command, {"--help"}},
      {"profile", profile_command, {"--help"}},
      {"docs", docs_command, {"--help"}},
  };
  std::ostringstream o;
  o << app::generated_page_header("cli-help");
  o << "# `magsim --help` and every command's `--help`\n\n"
    << "The texts the program prints, as they are. [commands.md](commands.md) is the overview.\n\n"
    << "## magsim\n\n```\n" << main_usage() << "```\n";
  for (const auto& e : entries)
    o << "\n## magsim " << e.name << "\n\n```\n" << help_of(e.command, e.args) << "```\n";
  return o.str();
}

// ---- the command -----------------------------------------------------------------------------

struct Page {
  const char* topic;
  const char* file;
};
const std::vector<Page> kPages{{"vocabulary", "vocabulary.md"},
                               {"parameters", "parameters.md"},
                               {"validation-cases", "validation-cases.md"},
                               {"cli-help", "cli-help.md"}};

std::string page(const std::string& topic, const std::string& cases_dir) {
  if (topic == "vocabulary") return app::vocabulary_page();
  if (topic == "parameters") return app::parameters_page();
  if (topic == "validation-cases") return app::validation_cases_page(cases_dir);
  return cli_help_page();
}

}  // namespace

int docs_command(const Args& args) {
  if (wants_help(args, kDocsUsage)) return kOk;
  std::string topic, write_dir, cases_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--write" || a == "--cases-dir") {
      if (i + 1 >= args.size()) {
        std::cerr << "magsim docs: error: " << a << " needs a value\n" << kDocsUsage;
        return kBadInput;
      }
      (a == "--write" ? write_dir : cases_dir) = args[++i];
    } else if (topic.empty() && !a.empty() && a[0] != '-') {
      topic = a;
    } else {
      std::cerr << "magsim docs: error: unexpected argument '" << a << "'\n" << kDocsUsage;
      return kBadInput;
    }
  }
  if (topic.empty() == write_dir.empty()) {
    std::cerr << "magsim docs: error: give one TOPIC or --write DOCS_DIR\n" << kDocsUsage;
    return kBadInput;
  }
  if (!topic.empty()) {
    bool known = false;
    for (const auto& p : kPages) known = known || topic == p.topic;
    if (!known) {
      std::cerr << "magsim docs: error: unknown topic '" << topic << "'\n" << kDocsUsage;
      return kBadInput;
    }
  }
  if (cases_dir.empty()) {
    const fs::path found = find_in_source("tests/validation");
    if (found.empty() && (topic.empty() || topic == "validation-cases")) {
      std::cerr << "magsim docs: error: cannot find tests/validation next to the build; give "
                   "--cases-dir DIR\n";
      return kBadInput;
    }
    cases_dir = found.string();
  }
  try {
    if (!topic.empty()) {
      std::cout << page(topic, cases_dir);
      return kOk;
    }
    for (const auto& p : kPages) {
      const std::string path = (fs::path(write_dir) / p.file).string();
      app::write_text_file(path, page(p.topic, cases_dir), "a documentation page");
      std::cout << "wrote " << path << "\n";
    }
  } catch (const app::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  }
  return kOk;
}

}  // namespace magsim::cli
