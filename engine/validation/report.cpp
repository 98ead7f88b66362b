#include "engine/validation/report.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "engine/scenario/units.hpp"

namespace magsim::engine::validation {
namespace {

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

const char* op_name(Op op) {
  switch (op) {
    case Op::Value: return "value";
    case Op::Mean: return "mean";
    case Op::Min: return "min";
    case Op::Max: return "max";
    case Op::Change: return "change";
    case Op::AverageRate: return "average_rate";
    case Op::TimeTo: return "time_to";
    case Op::Difference: return "difference";
    case Op::Ratio: return "ratio";
    case Op::Sequence: return "sequence";
    case Op::Element: return "element";
    case Op::MassBalance: return "mass_balance";
  }
  return "";
}

// Names for the points of a sequence: the runs it spans, or the quantities it joins.
std::vector<std::string> point_names(const QuantitySpec& q,
                                     const std::map<std::string, const QuantitySpec*>& by) {
  if (q.op == Op::Sequence) return q.operands;
  if (q.op == Op::Element) {
    const auto it = by.find(q.operands.front());
    if (it == by.end()) return {q.name};
    const auto names = point_names(*it->second, by);
    const int n = static_cast<int>(names.size());
    const int i = q.index < 0 ? n + q.index : q.index;
    return {i >= 0 && i < n ? names[i] : q.name};
  }
  if (q.op == Op::Difference || q.op == Op::Ratio) {
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
  if (q.op == Op::MassBalance) return {q.scope.empty() ? "listed runs" : q.scope + " runs"};
  if (q.runs.size() > 1) return q.runs;
  return {q.runs.empty() ? q.name : q.runs.front()};
}

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

// One line of prose from a folded YAML scalar (which ends in a newline).
std::string paragraph(const std::string& s) {
  std::string out = s;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string anchor(const CaseSpec& spec) { return "case-" + spec.id; }

// The simulated series of one panel, each run minus the baseline where the panel has one.
void plot_json(std::ostringstream& o, const PlotSpec& plot, const CaseResult& result,
               const ModelInfo& info) {
  const int k = info.find_output(plot.series);
  const std::string from_unit = k < 0 ? std::string() : info.outputs[k].unit;
  const std::string unit = plot_unit(plot, info);
  double factor = 1;
  try {
    factor = units::convert_value(1.0, units::parse_unit(from_unit == "1" ? "" : from_unit),
                                  units::parse_unit(unit == "1" ? "" : unit));
  } catch (const std::exception&) {
    factor = 1;  // check_plots has refused such a plot before the runs
  }
  o << "{\"series\": " << json_string(plot.series) << ", \"unit\": " << json_string(unit)
    << ", \"title\": " << json_string(plot.title)
    << ", \"description\": " << json_string(k < 0 ? "" : info.outputs[k].description)
    << ", \"baseline\": " << json_string(plot.baseline) << ", \"runs\": [";
  const RunData* base = nullptr;
  if (!plot.baseline.empty()) {
    const auto it = result.runs.find(plot.baseline);
    if (it != result.runs.end()) base = it->second;
  }
  bool first = true;
  for (const auto& name : plot.runs) {
    const auto it = result.runs.find(name);
    if (k < 0 || it == result.runs.end() || !it->second || !it->second->error.empty()) continue;
    const auto& s = it->second->samples;
    std::vector<double> t, y;
    for (size_t i = 0; i < s.time.size(); ++i) {
      const double ti = s.time[i];
      if (ti < plot.from_h || ti > plot.to_h) continue;  // NaN bounds pass
      double v = s.output(i, k);
      if (base) {
        if (base->samples.time.size() != s.time.size() || base->samples.time[i] != ti) continue;
        v -= base->samples.output(i, k);
      }
      t.push_back(ti);
      y.push_back(v * factor);
    }
    o << (first ? "\n" : ",\n") << "      {\"name\": " << json_string(name)
      << ", \"time\": " << json_numbers(t) << ", \"values\": " << json_numbers(y) << "}";
    first = false;
  }
  o << "\n    ], \"published\": [";
  first = true;
  for (const auto& p : plot.published) {
    auto value = [&](const MarkedQuantity& q) {
      try {
        return json_number(published_in(q, unit, result.spec->file));
      } catch (const std::exception&) {
        return std::string("null");
      }
    };
    o << (first ? "\n" : ",\n") << "      {\"at\": " << json_number(p.at_h)
      << ", \"from\": " << json_number(p.from_h) << ", \"to\": " << json_number(p.to_h)
      << ", \"value\": " << value(p.value) << ", \"error\": " << value(p.error)
      << ", \"min\": " << value(p.min) << ", \"max\": " << value(p.max)
      << ", \"label\": " << json_string(p.label) << "}";
    first = false;
  }
  o << "\n    ]}";
}

}  // namespace

std::vector<TableRow> table_rows(const CaseResult& c) {
  std::vector<TableRow> rows;
  for (const auto& r : c.quantities) {
    const auto& q = *r.spec;
    if (q.label.empty()) continue;
    TableRow row;
    row.id = c.spec->id;
    row.quantity = q.label;
    if (!r.error.empty()) {
      row.simulated = "n/a";
    } else {
      row.simulated = format_values(r.values);
      if (!r.unit.empty() && r.unit != "1") row.simulated += " " + r.unit;
    }
    row.expected = r.checked ? format_expectation(q.expect, q.unit) : "-";
    row.source = q.source.empty() ? c.spec->source : q.source;
    row.result = !r.checked ? "info" : r.pass ? "pass" : "FAIL";
    rows.push_back(row);
  }
  return rows;
}

std::vector<TableRow> table_rows(const std::vector<CaseResult>& results) {
  std::vector<TableRow> rows;
  for (const auto& c : results) {
    auto more = table_rows(c);
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

std::string figure_file(const CaseSpec& spec) { return spec.id + ".png"; }

std::string case_json(const CaseResult& result, const ModelInfo& info) {
  const CaseSpec& spec = *result.spec;
  std::map<std::string, const QuantitySpec*> by_name;
  for (const auto& q : spec.quantities) by_name[q.name] = &q;
  std::ostringstream o;
  o << "{\n  \"id\": " << json_string(spec.id) << ",\n  \"title\": " << json_string(spec.title)
    << ",\n  \"source\": " << json_string(spec.source)
    << ",\n  \"expected\": " << json_string(spec.expected)
    << ",\n  \"note\": " << json_string(spec.note)
    << ",\n  \"explanation\": " << json_string(spec.explanation)
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
      << ", \"expected\": " << json_string(format_expectation(q.expect, q.unit))
      << ", \"error\": " << json_string(r.error) << ", \"op\": " << json_string(op_name(q.op))
      << ", \"series\": " << json_string(q.series) << ", \"runs\": " << json_strings(q.runs)
      << ", \"baseline\": " << json_string(q.baseline) << ", \"at\": " << json_number(q.at_h)
      << ", \"from\": " << json_number(q.from_h) << ", \"to\": " << json_number(q.to_h) << "}";
    first = false;
  }
  o << "\n  ],\n  \"plots\": [";
  first = true;
  for (const auto& plot : spec.plots) {
    o << (first ? "\n    " : ",\n    ");
    plot_json(o, plot, result, info);
    first = false;
  }
  o << "\n  ]\n}\n";
  return o.str();
}

std::string markdown_report(const std::vector<CaseResult>& results, const SuiteFacts& suite,
                            const ReportContext& context) {
  std::ostringstream o;
  int passed = 0;
  for (const auto& c : results) passed += c.pass() ? 1 : 0;
  o << "# magsim validation report\n\n"
    << "magsim " << context.magsim_version << " (git " << context.git_revision << "), model "
    << context.model_name << " " << context.model_version << "; generated " << context.date
    << " by `magsim validate --report DIR`.\n\n"
    << "**" << passed << " of " << results.size() << " cases pass.** Worst mass-balance relative "
    << "error over all " << suite.runs << " runs: " << format_values({suite.worst_mass_balance})
    << (suite.worst_run.empty() ? "" : " (" + suite.worst_run + ")") << ".\n\n"
    << "Each case is a published study or reference range turned into simulations: the section "
    << "gives its source, what the literature reports (*expected*), why the case matters, how "
    << "the study was read into scenarios, the quantities checked with their simulated values "
    << "and expected ranges, and a figure. In the figures, lines are the simulated series, black "
    << "markers, bars and hatched windows are published observations, and blue bands are the "
    << "ranges a checked quantity must fall in; the verdict is in each title. The case files are "
    << "`" << context.cases_dir << "/ID.yaml` in the repository.\n\n"
    << "| case | title | result |\n|---|---|---|\n";
  for (const auto& c : results)
    o << "| [" << markdown_cell(c.spec->id) << "](#" << anchor(*c.spec) << ") | "
      << markdown_cell(c.spec->title) << " | " << (c.pass() ? "pass" : "**FAIL**") << " |\n";
  for (const auto& c : results) {
    const auto& s = *c.spec;
    const std::string file = s.file.substr(s.file.find_last_of('/') + 1);
    o << "\n<a id=\"" << anchor(s) << "\"></a>\n\n## " << s.id << ": " << s.title << " ("
      << (c.pass() ? "pass" : "FAIL") << ")\n\n"
      << "**Source:** " << s.source << ". **Case file:** `" << context.cases_dir << "/" << file
      << "`.\n\n"
      << "**Expected (as published):** " << paragraph(s.expected) << "\n\n";
    if (!s.explanation.empty()) o << "**What the study did and why it matters.** " << paragraph(s.explanation) << "\n\n";
    if (!s.note.empty()) o << "**How the case reads the study.** " << paragraph(s.note) << "\n\n";
    o << "| quantity | simulated | expected | source | result |\n|---|---|---|---|---|\n";
    for (const auto& r : table_rows(c))
      o << "| " << markdown_cell(r.quantity) << " | " << markdown_cell(r.simulated) << " | "
        << markdown_cell(r.expected) << " | " << markdown_cell(r.source) << " | "
        << (r.result == "FAIL" ? "**FAIL**" : r.result) << " |\n";
    bool any_error = false;
    for (const auto& q : c.quantities)
      if (!q.error.empty() && !q.spec->label.empty()) {
        if (!any_error) o << "\nCould not be computed:\n\n";
        any_error = true;
        o << "- " << q.spec->label << ": " << q.error << "\n";
      }
    o << "\n![" << s.id << ": simulated series, published observations and expected ranges]("
      << figure_file(s) << ")\n";
  }
  o << "\n## Known limits\n\n";
  if (context.has_known_limits) {
    o << context.known_limits;
    if (!context.known_limits.empty() && context.known_limits.back() != '\n') o << "\n";
  } else {
    o << "*No known_limits.md was found beside the case files (" << context.cases_dir << ").*\n";
  }
  return o.str();
}

}  // namespace magsim::engine::validation
