// magsim validate: runs the literature validation cases (tests/validation/*.yaml) against the
// magnesium model, prints a table of simulated values against expected ranges, and with --report
// writes the qualification report (DIR/validation.md, engine/validation/report.hpp) plus one
// figure per case (drawn by tools/plot_validation.py from DIR/data/ID.json).
// The case format and the quantity vocabulary are the engine's (engine/validation/cases.hpp); this file
// only binds them to the magnesium model and to files.
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
#include "app/text_output.hpp"
#include "engine/model/errors.hpp"
#include "engine/scenario/units.hpp"
#include "engine/validation/cases.hpp"
#include "engine/validation/report.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

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

// What the report says about this build, the date and the known limits beside the case files.
val::ReportContext report_context(const fs::path& cases_dir) {
  val::ReportContext ctx;
  const auto& info = models::magnesium::model().info();
  ctx.magsim_version = engine::kVersion;
  ctx.git_revision = engine::kGitRevision;
  ctx.model_name = info.name;
  ctx.model_version = info.version;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &utc);
  ctx.date = buf;
  std::error_code ec;
  const fs::path shipped = find_in_source("tests/validation");
  ctx.cases_dir = !shipped.empty() && fs::equivalent(shipped, cases_dir, ec)
                      ? std::string("tests/validation")
                      : cases_dir.string();
  std::ifstream in(cases_dir / "known_limits.md", std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    ctx.known_limits = text.str();
    ctx.has_known_limits = true;
  }
  return ctx;
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

  // Parse every case file first: a bad one stops the suite before anything runs.
  std::vector<val::CaseSpec> specs;
  try {
    for (const auto& path : val::list_case_files(cases_dir)) specs.push_back(val::parse_case_file(path));
  } catch (const engine::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "magsim validate: error: " << e.what() << "\n";
    return kBadInput;
  }
  for (size_t i = 0; i < specs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (specs[i].id == specs[j].id) {
        std::cerr << specs[i].file << ":1:1: error: case id '" << specs[i].id
                  << "' is also used by " << specs[j].file << "\n";
        return kBadInput;
      }
  if (!wanted.empty()) {
    std::vector<val::CaseSpec> chosen;
    for (const auto& id : wanted) {
      const auto it = std::find_if(specs.begin(), specs.end(),
                                   [&](const val::CaseSpec& s) { return s.id == id; });
      if (it == specs.end()) {
        std::cerr << "magsim validate: error: no case '" << id << "' in " << cases_dir << "\n";
        return kBadInput;
      }
      if (std::none_of(chosen.begin(), chosen.end(),
                       [&](const val::CaseSpec& s) { return s.id == id; }))
        chosen.push_back(*it);
    }
    specs = std::move(chosen);
  }
  if (specs.empty()) {
    std::cerr << "magsim validate: error: no case files (*.yaml) in " << cases_dir << "\n";
    return kBadInput;
  }

  const auto& model = models::magnesium::model();
  val::ModelBinding binding{&model, &models::magnesium::vocabulary(),
                            [](const engine::Scenario& s) {
                              return models::magnesium::make_problem(s);
                            }};
  std::vector<val::PreparedRun> prepared;
  std::vector<size_t> first_run;  // index of each case's first run in `prepared`
  try {
    for (const auto& spec : specs) {
      first_run.push_back(prepared.size());
      auto runs = val::prepare_runs(spec, binding);
      prepared.insert(prepared.end(), std::make_move_iterator(runs.begin()),
                      std::make_move_iterator(runs.end()));
    }
  } catch (const engine::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  }
  first_run.push_back(prepared.size());

  std::cerr << "magsim validate: " << specs.size() << " case" << (specs.size() == 1 ? "" : "s")
            << ", " << prepared.size() << " runs on " << threads << " thread"
            << (threads == 1 ? "" : "s") << "\n";
  const std::vector<val::RunData> data = val::simulate_runs(model, prepared, threads);

  val::SuiteFacts suite;
  suite.runs = static_cast<int>(data.size());
  for (size_t i = 0; i < data.size(); ++i)
    if (data[i].error.empty() && data[i].mass_balance_relative_error >= suite.worst_mass_balance) {
      suite.worst_mass_balance = data[i].mass_balance_relative_error;
      suite.worst_run = prepared[i].case_id + "/" + prepared[i].name;
    }

  std::vector<val::CaseResult> results;
  for (size_t c = 0; c < specs.size(); ++c) {
    val::CaseResult result;
    result.spec = &specs[c];
    for (size_t i = first_run[c]; i < first_run[c + 1]; ++i) result.runs[data[i].name] = &data[i];
    result.quantities = val::evaluate_case(specs[c], model.info(), result.runs, suite);
    results.push_back(std::move(result));
  }

  const auto rows = val::table_rows(results);
  print_table(std::cout, rows);
  int passed = 0;
  for (const auto& c : results) passed += c.pass() ? 1 : 0;
  std::cout << "\n" << passed << " of " << results.size() << " cases pass\n";
  for (const auto& c : results)
    for (const auto& q : c.quantities)
      if (!q.error.empty())
        std::cout << c.spec->id << " " << (q.spec->label.empty() ? q.spec->name : q.spec->label)
                  << ": " << q.error << "\n";

  if (!report_dir.empty()) {
    try {
      const fs::path dir(report_dir);
      fs::create_directories(dir / "data");
      for (const auto& c : results)
        app::write_text_file((dir / "data" / (c.spec->id + ".json")).string(),
                             val::case_json(c, model.info()), "report data");
      app::write_text_file((dir / "validation.md").string(),
                           val::markdown_report(results, suite, report_context(cases_dir)), "report");
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
  return passed == static_cast<int>(results.size()) ? kOk : kFailure;
}

}  // namespace magsim::cli
