// magsim check: parse and validate a scenario, print warnings; --resolved prints it in full.
#include <iostream>

#include "cli/commands.hpp"
#include "app/scenario_loading.hpp"
#include "app/output_budget.hpp"

namespace magsim::cli {
namespace {
const char* kCheckUsage =
    "usage: magsim check SCENARIO.yaml [--resolved] [--set PATH=VALUE]...\n"
    "\n"
    "Parse and validate a scenario without running it. Errors print as FILE:LINE:COL: error:\n"
    "and exit 2; warnings (supplement above the tolerable upper level, a chelating drug within\n"
    "2 h of a Mg dose, oral Mg with eGFR < 30, an IV Mg infusion with eGFR < 30, an IV rate\n"
    "whose steady state would pass the therapeutic range, an IV dose whose first hour alone\n"
    "would pass the cardiac thresholds, ...) print as FILE:LINE:COL: warning: and the\n"
    "exit code stays 0.\n"
    "\n"
    "  --resolved         print the scenario with every default filled in and the elemental\n"
    "                     Mg equivalent of every salt dose\n"
    "  --set PATH=VALUE   change the scenario first, as in `magsim run`\n"
    "\n"
    "The scenario format: docs/scenario.md; the names it accepts: docs/vocabulary.md.\n";
}  // namespace

int check_command(const Args& args) {
  if (wants_help(args, kCheckUsage)) return kOk;
  std::string path;
  std::vector<std::string> sets;
  bool resolved = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--resolved") {
      resolved = true;
    } else if (a == "--set" && i + 1 < args.size()) {
      sets.push_back(args[++i]);
    } else if (a.rfind("--set=", 0) == 0) {
      sets.push_back(a.substr(6));
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      std::cerr << "magsim check: error: unexpected argument '" << a << "'\n" << kCheckUsage;
      return kBadInput;
    }
  }
  if (path.empty()) {
    std::cerr << "magsim check: error: no scenario file given\n" << kCheckUsage;
    return kBadInput;
  }
  auto maybe_loaded = app::load_scenario_or_report(path, sets);
  if (!maybe_loaded) return kBadInput;
  auto& loaded = *maybe_loaded;
  const auto warnings = app::check_warnings(loaded);
  for (const auto& w : warnings) std::cerr << w.formatted() << "\n";
  if (resolved) std::cout << loaded.resolved_text;
  // What a run will write, so that a run too large is seen before it starts.
  const auto estimate = app::estimate_output(loaded);
  std::cerr << path << ": output: " << static_cast<long long>(estimate.samples) << " samples (at most) x "
            << static_cast<long long>(estimate.series) << " series, "
            << static_cast<long long>(estimate.events) << " events; file up to "
            << app::format_bytes(estimate.file_bytes) << ", in memory (Python) "
            << app::format_bytes(estimate.memory_bytes) << "\n";
  const std::string default_output = default_output_path(path);
  if (const auto why = app::file_does_not_fit(estimate, default_output); !why.empty())
    std::cerr << path << ": warning: at the default output " << default_output << ", " << why
              << " (magsim run refuses it)\n";
  std::cerr << path << ": ok, " << warnings.size() << (warnings.size() == 1 ? " warning" : " warnings")
            << "\n";
  return kOk;
}

}  // namespace magsim::cli
