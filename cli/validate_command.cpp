// magsim validate: runs the literature validation cases (tests/validation/*.yaml) against the
// magnesium model, prints a table of simulated values against expected ranges, and with --report
// writes the table as Markdown plus one figure per case (drawn by tools/plot_validation.py).
// The case format and the quantity vocabulary are the engine's (engine/validation.hpp); this file
// only binds them to the magnesium model and to files.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "engine/errors.hpp"
#include "engine/units.hpp"
#include "engine/validation.hpp"
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
    "  --report DIR       also write DIR/validation.md, DIR/data/ID.json and one DIR/ID.png per\n"
    "                     case (figures need /usr/bin/python3 with matplotlib)\n"
    "  --threads N        simulate N runs at once (default: the number of cores)\n";

// The source tree, from the build (see CMakeLists.txt) or relative to build/bin/magsim.
std::vector<fs::path> source_dir_candidates() {
  std::vector<fs::path> out;
#ifdef MAGSIM_SOURCE_DIR_FOR_VALIDATION
  out.emplace_back(MAGSIM_SOURCE_DIR_FOR_VALIDATION);
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path() / ".." / "..");
  return out;
}

fs::path find_in_source(const fs::path& relative) {
  for (const auto& dir : source_dir_candidates()) {
    std::error_code ec;
    if (fs::exists(dir / relative, ec)) return fs::weakly_canonical(dir / relative, ec);
  }
  return {};
}

std::string python_interpreter() {
#ifdef MAGSIM_PYTHON_FOR_VALIDATION
  return MAGSIM_PYTHON_FOR_VALIDATION;
#else
  return "/usr/bin/python3";
#endif
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string json_numbers(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_number(v[i]);
  return out + "]";
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + json_string(v[i]);
  return out + "]";
}

const char* op_name(val::Op op) {
  switch (op) {
    case val::Op::Value: return "value";
    case val::Op::Mean: return "mean";
    case val::Op::Min: return "min";
    case val::Op::Max: return "max";
    case val::Op::Change: return "change";
    case val::Op::AverageRate: return "average_rate";
    case val::Op::TimeTo: return "time_to";
    case val::Op::Difference: return "difference";
    case val::Op::Ratio: return "ratio";
    case val::Op::Sequence: return "sequence";
    case val::Op::Element: return "element";
    case val::Op::MassBalance: return "mass_balance";
  }
  return "";
}

// Names for the points of a sequence: the runs it spans, or the quantities it joins.
std::vector<std::string> point_names(const val::QuantitySpec& q,
                                     const std::map<std::string, const val::QuantitySpec*>& by) {
  if (q.op == val::Op::Sequence) return q.operands;
  if (q.op == val::Op::Element) {
    const auto it = by.find(q.operands.front());
    if (it == by.end()) return {q.name};
    const auto names = point_names(*it->second, by);
    const int n = static_cast<int>(names.size());
    const int i = q.index < 0 ? n + q.index : q.index;
    return {i >= 0 && i < n ? names[i] : q.name};
  }
  if (q.op == val::Op::Difference || q.op == val::Op::Ratio) {
    for (const auto& name : q.operands) {
      const auto it = by.find(name);
      if (it != by.end()) {
        auto names = point_names(*it->second, by);
        if (names.size() > 1) return names;
      }
    }
    const auto first = by.find(q.operands.front());
    return first == by.end() ? std::vector<std::string>{q.name} : point_names(*first->second, by);
  }
  if (q.op == val::Op::MassBalance) return {q.scope.empty() ? "listed runs" : q.scope + " runs"};
  if (q.runs.size() > 1) return q.runs;
  return {q.runs.empty() ? q.name : q.runs.front()};
}

// DIR/data/ID.json: what the plotting script draws.
std::string case_json(const val::CaseResult& result, const engine::ModelInfo& info) {
  const val::CaseSpec& spec = *result.spec;
  std::map<std::string, const val::QuantitySpec*> by_name;
  for (const auto& q : spec.quantities) by_name[q.name] = &q;
  std::ostringstream o;
  o << "{\n  \"id\": " << json_string(spec.id) << ",\n  \"title\": " << json_string(spec.title)
    << ",\n  \"source\": " << json_string(spec.source)
    << ",\n  \"expected\": " << json_string(spec.expected)
    << ",\n  \"note\": " << json_string(spec.note)
    << ",\n  \"pass\": " << (result.pass() ? "true" : "false") << ",\n  \"quantities\": [";
  bool first = true;
  for (const auto& r : result.quantities) {
    const auto& q = *r.spec;
    if (q.label.empty()) continue;
    o << (first ? "\n" : ",\n") << "    {\"name\": " << json_string(q.name)
      << ", \"label\": " << json_string(q.label) << ", \"unit\": " << json_string(r.unit)
      << ", \"values\": " << json_numbers(r.values)
      << ", \"points\": " << json_strings(point_names(q, by_name))
      << ", \"checked\": " << (r.checked ? "true" : "false")
      << ", \"pass\": " << (r.pass ? "true" : "false")
      << ", \"min\": " << json_number(q.expect.min) << ", \"max\": " << json_number(q.expect.max)
      << ", \"monotonic\": " << q.expect.monotonic
      << ", \"expected\": " << json_string(val::format_expectation(q.expect, q.unit))
      << ", \"error\": " << json_string(r.error) << ", \"op\": " << json_string(op_name(q.op))
      << ", \"series\": " << json_string(q.series) << ", \"runs\": " << json_strings(q.runs)
      << ", \"baseline\": " << json_string(q.baseline) << ", \"at\": " << json_number(q.at_h)
      << ", \"from\": " << json_number(q.from_h) << ", \"to\": " << json_number(q.to_h) << "}";
    first = false;
  }
  o << "\n  ],\n  \"plot\": ";
  const int k = spec.has_plot ? info.find_output(spec.plot.series) : -1;
  if (k < 0) {
    o << "null\n}\n";
    return o.str();
  }
  const std::string from_unit = info.outputs[k].unit;
  const std::string unit = spec.plot.unit.empty() ? from_unit : spec.plot.unit;
  double factor = 1;
  try {
    factor = engine::units::convert_value(1.0, engine::units::parse_unit(from_unit),
                                          engine::units::parse_unit(unit));
  } catch (const std::exception&) {
    factor = 1;
  }
  o << "{\"series\": " << json_string(spec.plot.series) << ", \"unit\": " << json_string(unit)
    << ", \"description\": " << json_string(info.outputs[k].description)
    << ", \"baseline\": " << json_string(spec.plot.baseline) << ", \"runs\": [";
  const val::RunData* base = nullptr;
  if (!spec.plot.baseline.empty()) {
    const auto it = result.runs.find(spec.plot.baseline);
    if (it != result.runs.end()) base = it->second;
  }
  first = true;
  for (const auto& name : spec.plot.runs) {
    const auto it = result.runs.find(name);
    if (it == result.runs.end() || !it->second || !it->second->error.empty()) continue;
    const auto& s = it->second->samples;
    std::vector<double> t, y;
    for (size_t i = 0; i < s.time.size(); ++i) {
      const double ti = s.time[i];
      if (ti < spec.plot.from_h || ti > spec.plot.to_h) continue;  // NaN bounds pass
      double v = s.output(i, k);
      if (base) {
        if (base->samples.time.size() != s.time.size() || base->samples.time[i] != ti) continue;
        v -= base->samples.output(i, k);
      }
      t.push_back(ti);
      y.push_back(v * factor);
    }
    o << (first ? "\n" : ",\n") << "    {\"name\": " << json_string(name)
      << ", \"time\": " << json_numbers(t) << ", \"values\": " << json_numbers(y) << "}";
    first = false;
  }
  o << "\n  ]}\n}\n";
  return o.str();
}

struct Row {
  std::string id, quantity, simulated, expected, source, result;
};

std::vector<Row> table_rows(const std::vector<val::CaseResult>& results) {
  std::vector<Row> rows;
  for (const auto& c : results)
    for (const auto& r : c.quantities) {
      const auto& q = *r.spec;
      if (q.label.empty()) continue;
      Row row;
      row.id = c.spec->id;
      row.quantity = q.label;
      if (!r.error.empty()) {
        row.simulated = "n/a";
      } else {
        row.simulated = val::format_values(r.values);
        if (!r.unit.empty() && r.unit != "1") row.simulated += " " + r.unit;
      }
      row.expected = r.checked ? val::format_expectation(q.expect, q.unit) : "-";
      row.source = q.source.empty() ? c.spec->source : q.source;
      row.result = !r.checked ? "info" : r.pass ? "pass" : "FAIL";
      rows.push_back(row);
    }
  return rows;
}

void print_table(std::ostream& out, const std::vector<Row>& rows) {
  const Row head{"case", "quantity", "simulated", "expected", "source", "result"};
  size_t w[5] = {head.id.size(), head.quantity.size(), head.simulated.size(),
                 head.expected.size(), head.source.size()};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.id.size());
    w[1] = std::max(w[1], r.quantity.size());
    w[2] = std::max(w[2], r.simulated.size());
    w[3] = std::max(w[3], r.expected.size());
    w[4] = std::max(w[4], r.source.size());
  }
  auto line = [&](const Row& r) {
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

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string markdown_report(const std::vector<val::CaseResult>& results,
                            const std::vector<Row>& rows, const val::SuiteFacts& suite) {
  std::ostringstream o;
  int passed = 0;
  for (const auto& c : results) passed += c.pass() ? 1 : 0;
  o << "# magsim validation\n\n"
    << passed << " of " << results.size() << " cases pass. Model: "
    << models::magnesium::model().info().name << " " << models::magnesium::model().info().version
    << ". Worst mass-balance relative error over all " << suite.runs << " runs: "
    << val::format_values({suite.worst_mass_balance}) << " (" << suite.worst_run << ").\n\n"
    << "| case | quantity | simulated | expected | source | result |\n"
    << "|---|---|---|---|---|---|\n";
  for (const auto& r : rows)
    o << "| " << markdown_cell(r.id) << " | " << markdown_cell(r.quantity) << " | "
      << markdown_cell(r.simulated) << " | " << markdown_cell(r.expected) << " | "
      << markdown_cell(r.source) << " | " << (r.result == "FAIL" ? "**FAIL**" : r.result)
      << " |\n";
  o << "\n## Cases\n";
  for (const auto& c : results) {
    const auto& s = *c.spec;
    o << "\n### " << s.id << ": " << s.title << " (" << (c.pass() ? "pass" : "FAIL") << ")\n\n"
      << "Expected (" << s.source << "): " << s.expected << "\n\n";
    if (!s.note.empty()) o << "Note: " << s.note << "\n\n";
    for (const auto& q : c.quantities)
      if (!q.error.empty() && !q.spec->label.empty())
        o << "- " << q.spec->label << ": " << q.error << "\n";
    o << "![" << s.id << "](" << s.id << ".png)\n";
  }
  return o.str();
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

  const auto rows = table_rows(results);
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
        write_file_atomically(dir / "data" / (c.spec->id + ".json"), case_json(c, model.info()));
      write_file_atomically(dir / "validation.md", markdown_report(results, rows, suite));
    } catch (const std::exception& e) {
      std::cerr << "magsim validate: error: writing the report: " << e.what() << "\n";
      return kFailure;
    }
    const fs::path script = find_in_source("tools/plot_validation.py");
    if (script.empty()) {
      std::cerr << "magsim validate: error: cannot find tools/plot_validation.py to draw figures\n";
      return kFailure;
    }
    // No shell: the report directory is passed as it is, whatever characters it holds.
    const std::string python = python_interpreter();
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == 0) {
      execl(python.c_str(), python.c_str(), script.c_str(), report_dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      std::cerr << "magsim validate: error: drawing figures failed (" << python << " "
                << script.string() << " " << report_dir << ")\n";
      return kFailure;
    }
    std::cout << "report: " << (fs::path(report_dir) / "validation.md").string() << "\n";
  }
  return passed == static_cast<int>(results.size()) ? kOk : kFailure;
}

}  // namespace magsim::cli
