// magsim validate: runs the literature validation cases (tests/validation/*.yaml) against the
// magnesium model, prints a table of simulated values against expected ranges, and with --report
// writes the qualification report (DIR/validation.md, engine/validation/report.hpp) plus one
// figure per case (drawn by tools/plot_validation.py from DIR/data/ID.json).
// The case format and the quantity vocabulary are the engine's (engine/validation/cases.hpp); the
// suite bound to the model is app/validation.hpp; this file parses arguments and prints.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/source_tree.hpp"
#include "app/model.hpp"
#include "app/validation.hpp"

namespace magsim::cli {
namespace {

namespace fs = std::filesystem;
namespace val = engine::validation;

const char* kValidateUsage =
    "usage: magsim validate [--case ID]... [--cases-dir DIR] [--report DIR] [--threads N]\n"
    "\n"
    "Run the literature validation suite: every case file in the cases directory (default:\n"
    "tests/validation in the source tree) simulates its scenarios and checks its quantities\n"
    "against the published ranges. Prints one row per quantity: case, quantity, simulated value,\n"
    "expected range, source, pass/fail. Exit code 1 if any check fails, 2 for a bad case file.\n"
    "\n"
    "  --case ID          run only this case (repeat, or ID,ID,...), e.g. --case V4\n"
    "  --cases-dir DIR    where the case files (*.yaml) are\n"
    "  --report DIR       also write the report DIR/validation.md (per case: source, expected,\n"
    "                     explanation, table, figure; known limits), DIR/data/ID.json and one\n"
    "                     DIR/ID.png per case (figures need /usr/bin/python3 with matplotlib)\n"
    "  --threads N        simulate N runs at once (default: the number of cores)\n";

void print_table(std::ostream& out, const std::vector<val::TableRow>& rows) {
  const val::TableRow head{"case", "quantity", "simulated", "expected", "source", "result"};
  size_t w[5] = {head.id.size(), head.quantity.size(), head.simulated.size(),
                 head.expected.size(), head.source.size()};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.id.size());
    w[1] = std::max(w[1], r.quantity.size());
    w[2] = std::max(w[2], r.simulated.size());
    w[3] = std::max(w[3], r.expected.size());
    w[4] = std::max(w[4], r.source.size());
  }
  auto line = [&](const val::TableRow& r) {
    auto pad = [](const std::string& s, size_t n) { return s + std::string(n - s.size(), ' '); };
    out << pad(r.id, w[0]) << "  " << pad(r.quantity, w[1]) << "  " << pad(r.simulated, w[2])
        << "  " << pad(r.expected, w[3]) << "  " << pad(r.source, w[4]) << "  " << r.result
        << "\n";
  };
  line(head);
  out << std::string(w[0] + w[1] + w[2] + w[3] + w[4] + 16, '-') << "\n";
  std::string last;
  for (const auto& r : rows) {
    if (!last.empty() && r.id != last) out << "\n";
    line(r);
    last = r.id;
  }
}

std::vector<std::string> split_ids(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string id; std::getline(in, id, ',');)
    if (!id.empty()) out.push_back(id);
  return out;
}

}  // namespace

int validate_command(const Args& args) {
  if (wants_help(args, kValidateUsage)) return kOk;
  std::string report_dir, cases_dir;
  std::vector<std::string> wanted;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << "magsim validate: error: " << a << " needs a value\n" << kValidateUsage;
        throw std::invalid_argument(a);
      }
      return args[++i];
    };
    try {
      if (a == "--report") report_dir = value();
      else if (a == "--cases-dir") cases_dir = value();
      else if (a == "--case") for (const auto& id : split_ids(value())) wanted.push_back(id);
      else if (a == "--threads") {
        const std::string v = value();
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (end == v.c_str() || *end || n < 1) {
          std::cerr << "magsim validate: error: --threads needs a positive integer, got '" << v
                    << "'\n";
          return kBadInput;
        }
        threads = static_cast<int>(n);
      } else {
        std::cerr << "magsim validate: error: unexpected argument '" << a << "'\n"
                  << kValidateUsage;
        return kBadInput;
      }
    } catch (const std::invalid_argument&) {
      return kBadInput;
    }
  }
  if (cases_dir.empty()) {
    const fs::path found = find_in_source("tests/validation");
    if (found.empty()) {
      std::cerr << "magsim validate: error: cannot find tests/validation next to the build; give "
                   "--cases-dir DIR\n";
      return kBadInput;
    }
    cases_dir = found.string();
  }

  std::unique_ptr<app::ValidationSuite> suite;
  try {
    suite = app::run_validation(
        app::read_validation_cases(cases_dir, wanted), threads, [&](size_t cases, size_t runs) {
          std::cerr << "magsim validate: " << cases << " case" << (cases == 1 ? "" : "s") << ", "
                    << runs << " runs on " << threads << " thread" << (threads == 1 ? "" : "s")
                    << "\n";
        });
  } catch (const app::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "magsim validate: error: " << e.what() << "\n";
    return kBadInput;
  }

  print_table(std::cout, suite->table_rows());
  std::cout << "\n" << suite->passed() << " of " << suite->results.size() << " cases pass\n";
  for (const auto& c : suite->results)
    for (const auto& q : c.quantities)
      if (!q.error.empty())
        std::cout << c.spec->id << " " << (q.spec->label.empty() ? q.spec->name : q.spec->label)
                  << ": " << q.error << "\n";

  if (!report_dir.empty()) {
    // The shipped cases are named by their place in the source tree, others by their path.
    std::error_code ec;
    const fs::path shipped = find_in_source("tests/validation");
    const std::string label = !shipped.empty() && fs::equivalent(shipped, cases_dir, ec)
                                  ? std::string("tests/validation")
                                  : cases_dir;
    try {
      app::write_validation_report(*suite, report_dir, cases_dir, label);
    } catch (const std::exception& e) {
      std::cerr << "magsim validate: error: writing the report: " << e.what() << "\n";
      return kFailure;
    }
    const fs::path script = find_in_source("tools/plot_validation.py");
    if (script.empty()) {
      std::cerr << "magsim validate: error: cannot find tools/plot_validation.py to draw figures\n";
      return kFailure;
    }
    std::cout.flush();
    if (!run_python_script(script, {report_dir})) {
      std::cerr << "magsim validate: error: drawing figures failed (" << python_interpreter() << " "
                << script.string() << " " << report_dir << ")\n";
      return kFailure;
    }
    std::cout << "report: " << (fs::path(report_dir) / "validation.md").string() << "\n";
  }
  return suite->all_pass() ? kOk : kFailure;
}

}  // namespace magsim::cli
