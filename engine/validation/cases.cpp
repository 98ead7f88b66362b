#include "engine/validation/cases.hpp"
#include "engine/scenario/input_file.hpp"
#include "engine/scenario/yaml_limits.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/model/errors.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/solve/simulator.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::engine::validation {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string node_kind(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "'" + n.Scalar() + "'";
}

// Reads a case file's YAML tree; every error points at the offending node.
class CaseReader {
 public:
  CaseReader(std::string file, const std::string& text) : file_(std::move(file)) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines_.push_back(line);
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    const YAML::Mark m = at.Mark();
    if (m.is_null() || m.line < 0) throw ScenarioError(file_, 1, 1, message);
    throw ScenarioError(file_, m.line + 1, m.column + 1, message);
  }

  SourceMark mark(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return {};
    return {m.line + 1, m.column + 1};
  }

  // Keys of `map`, checked against `allowed` (with a suggestion for a near miss).
  std::map<std::string, YAML::Node> fields(const YAML::Node& map, const std::string& context,
                                           const std::vector<std::string>& allowed) const {
    if (!map.IsMap()) fail(map, "expected a map (key: value) for " + context + ", got " +
                                    node_kind(map));
    std::map<std::string, YAML::Node> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, "expected a plain key in " + context);
      const std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        const std::string near = closest_name(key, allowed);
        fail(it->first, "unknown key '" + key + "' in " + context +
                            (near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
      if (out.count(key)) fail(it->first, "duplicate key '" + key + "' in " + context);
      out.emplace(key, it->second);
    }
    return out;
  }

  std::string text(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar() || n.Scalar().empty())
      fail(n, "expected text for " + what + ", got " + node_kind(n));
    return n.Scalar();
  }

  std::vector<std::string> names(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) fail(n, "expected a name or a list of names for " + what);
    for (const auto& item : n) out.push_back(text(item, what));
    if (out.empty()) fail(n, "empty list for " + what);
    return out;
  }

  double time(const YAML::Node& n, const std::string& what) const {
    const std::string t = text(n, what);
    try {
      return units::convert(t, units::kinds::time_point());
    } catch (const units::UnitError& e) {
      fail(n, what + ": " + e.what());
    }
  }

  // A bound in the quantity's display unit ("0.75 mmol/L"; a bare number if that is dimensionless).
  double bound(const YAML::Node& n, const std::string& unit, const std::string& what) const {
    const std::string t = text(n, what);
    try {
      return units::convert(t, unit.empty() ? std::string("1") : unit);
    } catch (const units::UnitError& e) {
      fail(n, what + " (in " + (unit.empty() ? std::string("1") : unit) + "): " + e.what());
    } catch (const std::exception& e) {
      fail(n, what + " (in " + unit + "): " + e.what());
    }
  }

  // The text of a block mapping as it stands in the file, padded with empty lines and spaces so
  // that a line and column inside it are the same line and column in the case file.
  std::string block_text(const YAML::Node& map) const {
    if (!map.IsMap() || map.Style() == YAML::EmitterStyle::Flow)
      fail(map, "write the scenario as a block mapping (one key per line, indented)");
    const YAML::Mark m = map.Mark();
    std::string out(static_cast<size_t>(m.line), '\n');
    for (size_t i = static_cast<size_t>(m.line); i < lines_.size(); ++i) {
      std::string line = lines_[i];
      if (i == static_cast<size_t>(m.line)) {
        for (int c = 0; c < m.column && c < static_cast<int>(line.size()); ++c) line[c] = ' ';
      } else {
        const size_t indent = line.find_first_not_of(' ');
        const bool blank_or_comment = indent == std::string::npos || line[indent] == '#';
        if (!blank_or_comment && static_cast<int>(indent) < m.column) break;
      }
      out += line;
      out += '\n';
    }
    return out;
  }

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

const std::vector<std::string> kSeriesOps{"value", "mean", "min", "max", "change",
                                          "average_rate", "time_to"};
const std::vector<std::string> kAllOps{"value",      "mean",  "min",      "max",
                                       "change",     "average_rate", "time_to", "difference",
                                       "ratio",      "sequence", "element",  "mass_balance"};

Op op_named(const std::string& s) {
  static const std::map<std::string, Op> ops{
      {"value", Op::Value},   {"mean", Op::Mean},           {"min", Op::Min},
      {"max", Op::Max},       {"change", Op::Change},       {"average_rate", Op::AverageRate},
      {"time_to", Op::TimeTo}, {"difference", Op::Difference}, {"ratio", Op::Ratio},
      {"sequence", Op::Sequence}, {"element", Op::Element}, {"mass_balance", Op::MassBalance}};
  return ops.at(s);
}

void read_runs(const CaseReader& r, const YAML::Node& node, CaseSpec& spec) {
  if (!node.IsMap() || node.size() == 0)
    r.fail(node, "expected 'runs' to map run names to {scenario: ...} or {base: ..., set: [...]}");
  for (auto it = node.begin(); it != node.end(); ++it) {
    RunSpec run;
    run.name = r.text(it->first, "a run name");
    run.mark = r.mark(it->first);
    for (const auto& other : spec.runs)
      if (other.name == run.name) r.fail(it->first, "duplicate run '" + run.name + "'");
    const auto f = r.fields(it->second, "run '" + run.name + "'", {"scenario", "base", "set"});
    if (f.count("scenario") == f.count("base"))
      r.fail(it->first, "run '" + run.name + "' needs either 'scenario' or 'base' (not both)");
    if (f.count("scenario")) {
      if (f.count("set")) r.fail(f.at("set"), "'set' goes with 'base', not with 'scenario'");
      run.scenario_text = r.block_text(f.at("scenario"));
    } else {
      run.base = r.text(f.at("base"), "'base'");
      const RunSpec* base = nullptr;
      for (const auto& other : spec.runs)
        if (other.name == run.base) base = &other;
      if (!base)
        r.fail(f.at("base"), "'base' must name a run given above it with its own 'scenario'");
      if (!base->base.empty())
        r.fail(f.at("base"), "run '" + run.base + "' is itself based on another run; name a run "
                             "with its own 'scenario'");
      if (f.count("set")) {
        const YAML::Node sets = f.at("set");
        if (!sets.IsSequence()) r.fail(sets, "expected a list of \"PATH=VALUE\" strings for 'set'");
        for (const auto& s : sets) {
          run.sets.push_back(r.text(s, "a 'set' item"));
          run.set_marks.push_back(r.mark(s));
          run.set_quoted.push_back(s.Tag() == "!");
        }
      }
    }
    spec.runs.push_back(std::move(run));
  }
}

void check_run_names(const CaseReader& r, const CaseSpec& spec, const YAML::Node& at,
                     const std::vector<std::string>& names) {
  for (const auto& n : names) {
    bool found = false;
    std::vector<std::string> all;
    for (const auto& run : spec.runs) {
      all.push_back(run.name);
      found = found || run.name == n;
    }
    if (!found) {
      const std::string near = closest_name(n, all);
      r.fail(at, "no run named '" + n + "' in this case" +
                     (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }
}

void read_quantity(const CaseReader& r, const YAML::Node& key, const YAML::Node& node,
                   CaseSpec& spec) {
  QuantitySpec q;
  q.name = r.text(key, "a quantity name");
  q.mark = r.mark(key);
  for (const auto& other : spec.quantities)
    if (other.name == q.name) r.fail(key, "duplicate quantity '" + q.name + "'");
  std::vector<std::string> allowed{"label", "unit", "expect", "source"};
  allowed.insert(allowed.end(), kAllOps.begin(), kAllOps.end());
  const auto f = r.fields(node, "quantity '" + q.name + "'", allowed);
  std::string op_name;
  for (const auto& op : kAllOps)
    if (f.count(op)) {
      if (!op_name.empty())
        r.fail(f.at(op), "quantity '" + q.name + "' has two operations ('" + op_name + "' and '" +
                             op + "'); give one");
      op_name = op;
    }
  if (op_name.empty())
    r.fail(key, "quantity '" + q.name + "' needs one operation: value, mean, min, max, change, "
                "average_rate, time_to, difference, ratio, sequence, element or mass_balance");
  q.op = op_named(op_name);
  if (f.count("label")) q.label = r.text(f.at("label"), "'label'");
  if (f.count("unit")) q.unit = r.text(f.at("unit"), "'unit'");
  if (f.count("source")) q.source = r.text(f.at("source"), "'source'");
  if (!q.unit.empty()) {
    try {
      units::parse_unit(q.unit);
    } catch (const units::UnitError& e) {
      r.fail(f.at("unit"), std::string("unknown unit: ") + e.what());
    }
  }
  auto known_quantity = [&](const YAML::Node& at, const std::string& n) {
    for (const auto& other : spec.quantities)
      if (other.name == n) return;
    std::vector<std::string> all;
    for (const auto& other : spec.quantities) all.push_back(other.name);
    const std::string near = closest_name(n, all);
    r.fail(at, "no quantity named '" + n + "' above this one" +
                   (near.empty() ? "" : "; did you mean '" + near + "'?"));
  };

  const YAML::Node body = f.at(op_name);
  if (std::find(kSeriesOps.begin(), kSeriesOps.end(), op_name) != kSeriesOps.end()) {
    std::vector<std::string> keys{"series", "run", "runs", "baseline"};
    if (q.op == Op::Value) keys.push_back("at");
    else keys.insert(keys.end(), {"from", "to"});
    if (q.op == Op::TimeTo) keys.insert(keys.end(), {"reach", "of"});
    const auto g = r.fields(body, "'" + op_name + "'", keys);
    if (!g.count("series")) r.fail(body, "'" + op_name + "' needs 'series'");
    q.series = r.text(g.at("series"), "'series'");
    if (g.count("run") == g.count("runs"))
      r.fail(body, "'" + op_name + "' needs 'run: NAME' or 'runs: [NAMES]'");
    const YAML::Node runs = g.count("run") ? g.at("run") : g.at("runs");
    q.runs = g.count("run") ? std::vector<std::string>{r.text(runs, "'run'")}
                            : r.names(runs, "'runs'");
    check_run_names(r, spec, runs, q.runs);
    if (g.count("baseline")) {
      q.baseline = r.text(g.at("baseline"), "'baseline'");
      check_run_names(r, spec, g.at("baseline"), {q.baseline});
    }
    if (q.op == Op::Value) {
      if (!g.count("at")) r.fail(body, "'value' needs 'at' (a time, e.g. '96 h')");
      q.at_h = r.time(g.at("at"), "'at'");
    } else {
      if (!g.count("from") || !g.count("to"))
        r.fail(body, "'" + op_name + "' needs 'from' and 'to' (times, e.g. '72 h')");
      q.from_h = r.time(g.at("from"), "'from'");
      q.to_h = r.time(g.at("to"), "'to'");
      if (!(q.to_h > q.from_h)) r.fail(g.at("to"), "'to' must be after 'from'");
    }
    if (q.op == Op::TimeTo) {
      if (!g.count("reach")) r.fail(body, "'time_to' needs 'reach' (a number)");
      try {
        q.reach = units::convert(r.text(g.at("reach"), "'reach'"), "1");
      } catch (const std::exception& e) {
        r.fail(g.at("reach"), std::string("'reach' must be a plain number: ") + e.what());
      }
      if (g.count("of")) {
        q.of = r.text(g.at("of"), "'of'");
        known_quantity(g.at("of"), q.of);
      }
    }
  } else if (q.op == Op::Difference || q.op == Op::Ratio || q.op == Op::Sequence) {
    if (!body.IsSequence())
      r.fail(body, "expected a list of quantity names for '" + op_name + "'");
    for (const auto& item : body) {
      q.operands.push_back(r.text(item, "a quantity name"));
      known_quantity(item, q.operands.back());
    }
    if (q.op != Op::Sequence && q.operands.size() != 2)
      r.fail(body, "'" + op_name + "' takes exactly two quantities, [a, b]");
    if (q.operands.empty()) r.fail(body, "'sequence' needs at least one quantity");
  } else if (q.op == Op::Element) {
    const auto g = r.fields(body, "'element'", {"of", "index"});
    if (!g.count("of") || !g.count("index")) r.fail(body, "'element' needs 'of' and 'index'");
    q.operands.push_back(r.text(g.at("of"), "'of'"));
    known_quantity(g.at("of"), q.operands.back());
    try {
      q.index = g.at("index").as<int>();
    } catch (const YAML::Exception&) {
      r.fail(g.at("index"), "'index' must be an integer (negative counts from the end)");
    }
  } else {  // mass_balance
    const auto g = r.fields(body, "'mass_balance'", {"runs"});
    if (!g.count("runs")) r.fail(body, "'mass_balance' needs 'runs: case', 'suite' or a list");
    const YAML::Node runs = g.at("runs");
    if (runs.IsScalar() && (runs.Scalar() == "case" || runs.Scalar() == "suite")) {
      q.scope = runs.Scalar();
    } else {
      q.runs = r.names(runs, "'runs'");
      check_run_names(r, spec, runs, q.runs);
    }
  }

  if (f.count("expect")) {
    const YAML::Node e = f.at("expect");
    if (q.unit.empty())
      r.fail(f.at("expect"), "a quantity with 'expect' needs 'unit' (the unit its bounds are in)");
    if (q.label.empty()) r.fail(f.at("expect"), "a quantity with 'expect' needs a 'label'");
    const auto g = r.fields(e, "'expect'", {"min", "max", "monotonic"});
    if (g.empty()) r.fail(e, "'expect' needs 'min', 'max' or 'monotonic'");
    if (g.count("min")) {
      q.expect.min = r.bound(g.at("min"), q.unit, "'min'");
      q.expect.min_text = g.at("min").Scalar();
    }
    if (g.count("max")) {
      q.expect.max = r.bound(g.at("max"), q.unit, "'max'");
      q.expect.max_text = g.at("max").Scalar();
    }
    if (q.expect.min > q.expect.max) r.fail(e, "'min' is above 'max'");
    if (g.count("monotonic")) {
      const std::string m = r.text(g.at("monotonic"), "'monotonic'");
      if (m == "increasing") q.expect.monotonic = 1;
      else if (m == "decreasing") q.expect.monotonic = -1;
      else r.fail(g.at("monotonic"), "'monotonic' is 'increasing' or 'decreasing', got '" + m + "'");
    }
  }
  spec.quantities.push_back(std::move(q));
}

// A published value as written ("1.8 mmol/L"), converted now if the panel's unit is known.
MarkedQuantity read_published_value(const CaseReader& r, const YAML::Node& n,
                                    const std::string& unit, const std::string& what) {
  MarkedQuantity q;
  q.text = r.text(n, what);
  q.mark = r.mark(n);
  if (!unit.empty()) {
    r.bound(n, unit, what);
  } else {
    try {
      units::parse_quantity(q.text);
    } catch (const units::UnitError& e) {
      r.fail(n, what + ": " + e.what());
    }
  }
  return q;
}

void read_published(const CaseReader& r, const YAML::Node& node, PlotSpec& plot) {
  if (!node.IsSequence())
    r.fail(node, "expected a list of published points for 'published', e.g. "
                 "- {at: 4 h, value: 1.8 mmol/L}");
  for (const auto& item : node) {
    PublishedPoint p;
    p.mark = r.mark(item);
    const auto g = r.fields(item, "a published point",
                            {"at", "from", "to", "value", "error", "min", "max", "label"});
    if (g.count("at") && (g.count("from") || g.count("to")))
      r.fail(g.count("from") ? g.at("from") : g.at("to"),
             "a published point has either 'at' (a time) or 'from' and 'to' (a window), not both");
    if (g.count("at")) {
      p.at_h = r.time(g.at("at"), "'at'");
    } else if (g.count("from") && g.count("to")) {
      p.from_h = r.time(g.at("from"), "'from'");
      p.to_h = r.time(g.at("to"), "'to'");
      if (!(p.to_h > p.from_h)) r.fail(g.at("to"), "'to' must be after 'from'");
    } else {
      r.fail(item, "a published point needs 'at' (a time, e.g. '4 h') or 'from' and 'to' "
                   "(a window)");
    }
    const bool range = g.count("min") || g.count("max");
    if (g.count("value") && range)
      r.fail(g.count("min") ? g.at("min") : g.at("max"),
             "a published point has either 'value' (with an optional 'error') or 'min'/'max', "
             "not both");
    if (!g.count("value") && !range)
      r.fail(item, "a published point needs 'value' (e.g. 'value: 1.8 mmol/L') or 'min' and/or "
                   "'max'");
    if (g.count("error") && !g.count("value"))
      r.fail(g.at("error"), "'error' goes with 'value' (it is a +- half-width around it)");
    for (const char* k : {"value", "error", "min", "max"}) {
      if (!g.count(k)) continue;
      MarkedQuantity q = read_published_value(r, g.at(k), plot.unit, std::string("'") + k + "'");
      if (std::string(k) == "value") p.value = q;
      else if (std::string(k) == "error") p.error = q;
      else if (std::string(k) == "min") p.min = q;
      else p.max = q;
    }
    if (g.count("error") && units::parse_quantity(p.error.text).value < 0)
      r.fail(g.at("error"), "'error' is a +- half-width: it cannot be negative");
    if (g.count("min") && g.count("max") && !plot.unit.empty() &&
        r.bound(g.at("min"), plot.unit, "'min'") > r.bound(g.at("max"), plot.unit, "'max'"))
      r.fail(g.at("min"), "'min' is above 'max'");
    if (g.count("label")) p.label = r.text(g.at("label"), "'label'");
    plot.published.push_back(std::move(p));
  }
}

void read_plot(const CaseReader& r, const YAML::Node& node, CaseSpec& spec) {
  const auto g = r.fields(node, "'plot'",
                          {"series", "run", "runs", "baseline", "from", "to", "unit", "title",
                           "published"});
  if (!g.count("series")) r.fail(node, "'plot' needs 'series'");
  PlotSpec plot;
  plot.mark = r.mark(node);
  plot.series = r.text(g.at("series"), "'series'");
  plot.series_mark = r.mark(g.at("series"));
  if (g.count("run") && g.count("runs")) r.fail(g.at("runs"), "give 'run' or 'runs', not both");
  if (g.count("run")) plot.runs = {r.text(g.at("run"), "'run'")};
  if (g.count("runs")) plot.runs = r.names(g.at("runs"), "'runs'");
  if (plot.runs.empty())
    for (const auto& run : spec.runs) plot.runs.push_back(run.name);
  check_run_names(r, spec, g.count("run") ? g.at("run") : g.count("runs") ? g.at("runs") : node,
                  plot.runs);
  if (g.count("baseline")) {
    plot.baseline = r.text(g.at("baseline"), "'baseline'");
    check_run_names(r, spec, g.at("baseline"), {plot.baseline});
  }
  if (g.count("from")) plot.from_h = r.time(g.at("from"), "'from'");
  if (g.count("to")) plot.to_h = r.time(g.at("to"), "'to'");
  if (g.count("from") && g.count("to") && !(plot.to_h > plot.from_h))
    r.fail(g.at("to"), "'to' must be after 'from'");
  if (g.count("unit")) {
    plot.unit = r.text(g.at("unit"), "'unit'");
    plot.unit_mark = r.mark(g.at("unit"));
    try {
      units::parse_unit(plot.unit);
    } catch (const units::UnitError& e) {
      r.fail(g.at("unit"), std::string("unknown unit: ") + e.what());
    }
  }
  if (g.count("title")) plot.title = r.text(g.at("title"), "'title'");
  if (g.count("published")) read_published(r, g.at("published"), plot);
  spec.plots.push_back(std::move(plot));
}

// --- evaluation -----------------------------------------------------------------------------

struct Values {
  std::vector<double> v;
  std::string unit;
};

struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string fmt_h(double h) { return units::shortest_number(h) + " h"; }

class Evaluator {
 public:
  Evaluator(const CaseSpec& spec, const ModelInfo& info,
            const std::map<std::string, const RunData*>& runs, const SuiteFacts& suite)
      : spec_(spec), info_(info), runs_(runs), suite_(suite) {}

  std::map<std::string, Values> done;

  Values compute(const QuantitySpec& q) {
    switch (q.op) {
      case Op::Value: case Op::Mean: case Op::Min: case Op::Max: case Op::Change:
      case Op::AverageRate: case Op::TimeTo: {
        Values out;
        for (const auto& run : q.runs) {
          const auto [t, y, unit] = series(run, q.series, q.baseline);
          out.unit = unit;
          out.v.push_back(reduce(q, t, y, &out.unit));
        }
        return out;
      }
      case Op::Difference: case Op::Ratio: {
        const Values& a = operand(q.operands[0]);
        const Values& b = operand(q.operands[1]);
        if (a.v.size() != b.v.size() && a.v.size() != 1 && b.v.size() != 1)
          throw EvalError("'" + q.operands[0] + "' has " + std::to_string(a.v.size()) +
                          " values and '" + q.operands[1] + "' " + std::to_string(b.v.size()));
        // b in a's unit where they share a dimension.
        double factor = 1;
        bool same = true;
        try {
          factor = units::convert_value(1.0, units::parse_unit(b.unit), units::parse_unit(a.unit));
        } catch (const std::exception&) {
          same = false;
        }
        if (q.op == Op::Difference && !same)
          throw EvalError("cannot subtract " + b.unit + " from " + a.unit);
        Values out;
        out.unit = q.op == Op::Difference ? a.unit : (same ? "1" : a.unit + "/" + b.unit);
        const size_t n = std::max(a.v.size(), b.v.size());
        for (size_t i = 0; i < n; ++i) {
          const double x = a.v[a.v.size() == 1 ? 0 : i];
          const double y = b.v[b.v.size() == 1 ? 0 : i] * factor;
          out.v.push_back(q.op == Op::Difference ? x - y : x / y);
        }
        return out;
      }
      case Op::Sequence: {
        Values out;
        out.unit = operand(q.operands[0]).unit;
        for (const auto& name : q.operands) {
          const Values& x = operand(name);
          double factor = 1;
          try {
            factor = units::convert_value(1.0, units::parse_unit(x.unit),
                                          units::parse_unit(out.unit));
          } catch (const std::exception&) {
            throw EvalError("'" + name + "' is in " + x.unit + ", not " + out.unit);
          }
          for (double v : x.v) out.v.push_back(v * factor);
        }
        return out;
      }
      case Op::Element: {
        const Values& x = operand(q.operands[0]);
        const int n = static_cast<int>(x.v.size());
        const int i = q.index < 0 ? n + q.index : q.index;
        if (i < 0 || i >= n)
          throw EvalError("index " + std::to_string(q.index) + " is outside '" + q.operands[0] +
                          "' (" + std::to_string(n) + " values)");
        return {{x.v[i]}, x.unit};
      }
      case Op::MassBalance: {
        double worst = 0;
        if (q.scope == "suite") {
          worst = suite_.worst_mass_balance;
        } else {
          std::vector<std::string> names = q.runs;
          if (q.scope == "case")
            for (const auto& r : spec_.runs) names.push_back(r.name);
          for (const auto& n : names) worst = std::max(worst, run(n).mass_balance_relative_error);
        }
        return {{worst}, "1"};
      }
    }
    throw EvalError("unknown operation");
  }

 private:
  const Values& operand(const std::string& name) {
    const auto it = done.find(name);
    if (it == done.end()) throw EvalError("'" + name + "' could not be computed");
    return it->second;
  }

  const RunData& run(const std::string& name) {
    const auto it = runs_.find(name);
    if (it == runs_.end() || !it->second) throw EvalError("run '" + name + "' was not run");
    if (!it->second->error.empty())
      throw EvalError("run '" + name + "' failed: " + it->second->error);
    return *it->second;
  }

  struct Series {
    std::vector<double> t, y;
    std::string unit;
  };

  Series series(const std::string& run_name, const std::string& name,
                const std::string& baseline) {
    const int k = info_.find_output(name);
    if (k < 0) {
      std::vector<std::string> all;
      for (const auto& o : info_.outputs) all.push_back(o.name);
      const std::string near = closest_name(name, all);
      throw EvalError("the model has no series '" + name + "'" +
                      (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    const RunData& r = run(run_name);
    Series s;
    s.unit = info_.outputs[k].unit;
    s.t = r.samples.time;
    for (size_t i = 0; i < s.t.size(); ++i) s.y.push_back(r.samples.output(i, k));
    if (s.t.empty()) throw EvalError("run '" + run_name + "' has no samples");
    if (!baseline.empty()) {
      const RunData& b = run(baseline);
      std::vector<double> bt = b.samples.time, by;
      for (size_t i = 0; i < bt.size(); ++i) by.push_back(b.samples.output(i, k));
      for (size_t i = 0; i < s.t.size(); ++i) s.y[i] -= interpolate(bt, by, s.t[i], baseline);
    }
    return s;
  }

  static double interpolate(const std::vector<double>& t, const std::vector<double>& y,
                            double at, const std::string& run_name) {
    const double eps = 1e-9 * std::max(1.0, std::fabs(at));
    if (t.empty() || at < t.front() - eps || at > t.back() + eps)
      throw EvalError("time " + fmt_h(at) + " is outside run '" + run_name + "' (" +
                      fmt_h(t.empty() ? 0 : t.front()) + " to " + fmt_h(t.empty() ? 0 : t.back()) +
                      ")");
    if (at <= t.front()) return y.front();
    if (at >= t.back()) return y.back();
    const size_t j = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), at) - t.begin());
    const size_t i = j - 1;
    if (t[j] == t[i]) return y[j];
    const double w = (at - t[i]) / (t[j] - t[i]);
    return y[i] + w * (y[j] - y[i]);
  }

  // Points of (t, y) inside [a, b], the ends interpolated.
  static void window(const std::vector<double>& t, const std::vector<double>& y, double a,
                     double b, std::vector<double>& wt, std::vector<double>& wy) {
    wt = {a};
    wy = {interpolate(t, y, a, "")};
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i] > a && t[i] < b) {
        wt.push_back(t[i]);
        wy.push_back(y[i]);
      }
    wt.push_back(b);
    wy.push_back(interpolate(t, y, b, ""));
  }

  double reduce(const QuantitySpec& q, const std::vector<double>& t, const std::vector<double>& y,
                std::string* unit) {
    auto at = [&](double h) {
      try {
        return interpolate(t, y, h, "");
      } catch (const EvalError&) {
        throw EvalError("time " + fmt_h(h) + " is outside the run (" + fmt_h(t.front()) + " to " +
                        fmt_h(t.back()) + ")");
      }
    };
    switch (q.op) {
      case Op::Value: return at(q.at_h);
      case Op::Change: return at(q.to_h) - at(q.from_h);
      case Op::AverageRate:
        *unit = *unit + "/h";
        return (at(q.to_h) - at(q.from_h)) / (q.to_h - q.from_h);
      default: break;
    }
    at(q.from_h);
    at(q.to_h);
    std::vector<double> wt, wy;
    window(t, y, q.from_h, q.to_h, wt, wy);
    if (q.op == Op::Min) return *std::min_element(wy.begin(), wy.end());
    if (q.op == Op::Max) return *std::max_element(wy.begin(), wy.end());
    if (q.op == Op::Mean) {
      double area = 0;
      for (size_t i = 1; i < wt.size(); ++i) area += 0.5 * (wy[i] + wy[i - 1]) * (wt[i] - wt[i - 1]);
      return area / (q.to_h - q.from_h);
    }
    // time_to: first time after `from` at which y - y(from) reaches the threshold.
    double threshold = q.reach;
    if (!q.of.empty()) {
      const Values& of = operand(q.of);
      if (of.v.size() != 1) throw EvalError("'of' must name a single value");
      double factor = 1;
      try {
        factor = units::convert_value(1.0, units::parse_unit(of.unit), units::parse_unit(*unit));
      } catch (const std::exception&) {
        throw EvalError("'" + q.of + "' is in " + of.unit + ", the series in " + *unit);
      }
      threshold = q.reach * of.v[0] * factor;
    }
    *unit = "h";
    const double y0 = wy.front();
    auto reached = [&](double v) { return threshold >= 0 ? v - y0 >= threshold : v - y0 <= threshold; };
    for (size_t i = 1; i < wt.size(); ++i)
      if (reached(wy[i])) {
        const double d0 = wy[i - 1] - y0 - threshold, d1 = wy[i] - y0 - threshold;
        const double w = d1 == d0 ? 1.0 : d0 / (d0 - d1);
        return wt[i - 1] + w * (wt[i] - wt[i - 1]) - q.from_h;
      }
    throw EvalError("never reached " + units::shortest_number(threshold) + " between " +
                    fmt_h(q.from_h) + " and " + fmt_h(q.to_h));
  }

  const CaseSpec& spec_;
  const ModelInfo& info_;
  const std::map<std::string, const RunData*>& runs_;
  const SuiteFacts& suite_;
};

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const long x = std::stol(a.substr(i, ie - i)), y = std::stol(b.substr(j, je - j));
      if (x != y) return x < y;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

bool CaseSpec::uses_suite_mass_balance() const {
  for (const auto& q : quantities)
    if (q.op == Op::MassBalance && q.scope == "suite") return true;
  return false;
}

CaseSpec parse_case_text(const std::string& text, const std::string& filename) {
  CaseReader r(filename, text);
  YAML::Node root;
  try {
    root = load_yaml_bounded(text);
  } catch (const YAML::Exception& e) {
    const bool known = !e.mark.is_null() && e.mark.line >= 0;
    throw ScenarioError(filename, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1,
                        "YAML syntax: " + e.msg);
  }
  if (!root.IsMap()) throw ScenarioError(filename, 1, 1, "a case file is a map (id: ..., runs: ...)");
  const auto f = r.fields(root, "the case file",
                          {"id", "title", "source", "expected", "note", "explanation", "runs",
                           "quantities", "plot"});
  for (const char* k : {"id", "title", "source", "expected", "runs", "quantities"})
    if (!f.count(k)) throw ScenarioError(filename, 1, 1, std::string("missing key '") + k + "'");
  CaseSpec spec;
  spec.file = filename;
  spec.id = r.text(f.at("id"), "'id'");
  spec.title = r.text(f.at("title"), "'title'");
  spec.source = r.text(f.at("source"), "'source'");
  spec.expected = r.text(f.at("expected"), "'expected'");
  if (f.count("note")) spec.note = r.text(f.at("note"), "'note'");
  if (f.count("explanation")) spec.explanation = r.text(f.at("explanation"), "'explanation'");
  read_runs(r, f.at("runs"), spec);
  const YAML::Node qs = f.at("quantities");
  if (!qs.IsMap() || qs.size() == 0) r.fail(qs, "expected 'quantities' to map names to quantities");
  for (auto it = qs.begin(); it != qs.end(); ++it) read_quantity(r, it->first, it->second, spec);
  bool any_checked = false;
  for (const auto& q : spec.quantities) any_checked = any_checked || q.expect.any();
  if (!any_checked) r.fail(qs, "no quantity has an 'expect': a case must check something");
  if (f.count("plot")) {
    const YAML::Node plots = f.at("plot");
    if (plots.IsSequence()) {
      if (plots.size() == 0) r.fail(plots, "empty list for 'plot'");
      for (const auto& p : plots) read_plot(r, p, spec);
    } else {
      read_plot(r, plots, spec);
    }
  }
  return spec;
}

CaseSpec parse_case_file(const std::string& path) {
  std::string text;
  try {
    text = read_input_file(path);
  } catch (const InputFileError& e) {
    throw ScenarioError(path, 1, 1, std::string("cannot read case file: ") + e.what());
  }
  return parse_case_text(text, path);
}

std::vector<std::string> list_case_files(const std::string& directory) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(directory, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path().string());
  if (ec) throw std::runtime_error("cannot list " + directory + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return natural_less(std::filesystem::path(a).filename().string(),
                        std::filesystem::path(b).filename().string());
  });
  return out;
}

std::string plot_unit(const PlotSpec& plot, const ModelInfo& info) {
  if (!plot.unit.empty()) return plot.unit;
  const int k = info.find_output(plot.series);
  return k < 0 ? std::string() : info.outputs[k].unit;
}

double published_in(const MarkedQuantity& q, const std::string& unit, const std::string& file) {
  if (!q.given()) return kNaN;
  const std::string target = unit.empty() ? std::string("1") : unit;
  try {
    return units::convert(q.text, target);
  } catch (const std::exception& e) {
    throw ScenarioError(file, q.mark.line, q.mark.column,
                        "published value '" + q.text + "' does not convert to the plot's unit " +
                            target + ": " + e.what());
  }
}

void check_plots(const CaseSpec& spec, const ModelInfo& info) {
  for (const auto& plot : spec.plots) {
    const int k = info.find_output(plot.series);
    if (k < 0) {
      std::vector<std::string> all;
      for (const auto& o : info.outputs) all.push_back(o.name);
      const std::string near = closest_name(plot.series, all);
      throw ScenarioError(spec.file, plot.series_mark.line, plot.series_mark.column,
                          "the model has no series '" + plot.series + "' to plot" +
                              (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    const std::string series_unit = info.outputs[k].unit;
    const std::string unit = plot_unit(plot, info);
    try {
      units::convert_value(1.0, units::parse_unit(series_unit == "1" ? "" : series_unit),
                           units::parse_unit(unit == "1" ? "" : unit));
    } catch (const std::exception&) {
      throw ScenarioError(spec.file, plot.unit_mark.line, plot.unit_mark.column,
                          "the plot's unit " + unit + " does not convert from the unit of series '" +
                              plot.series + "' (" + series_unit + ")");
    }
    for (const auto& p : plot.published)
      for (const MarkedQuantity* q : {&p.value, &p.error, &p.min, &p.max})
        published_in(*q, unit, spec.file);
    for (const auto& p : plot.published)
      if (p.min.given() && p.max.given() &&
          published_in(p.min, unit, spec.file) > published_in(p.max, unit, spec.file))
        throw ScenarioError(spec.file, p.min.mark.line, p.min.mark.column, "'min' is above 'max'");
  }
}

std::vector<QuantityResult> evaluate_case(const CaseSpec& spec, const ModelInfo& info,
                                          const std::map<std::string, const RunData*>& runs,
                                          const SuiteFacts& suite) {
  Evaluator ev(spec, info, runs, suite);
  std::vector<QuantityResult> out;
  for (const auto& q : spec.quantities) {
    QuantityResult r;
    r.spec = &q;
    r.checked = q.expect.any();
    try {
      Values v = ev.compute(q);
      ev.done[q.name] = v;
      r.unit = v.unit;
      r.values = v.v;
      if (!q.unit.empty() && q.unit != v.unit) {
        double factor = 1;
        try {
          factor = units::convert_value(1.0, units::parse_unit(v.unit == "1" ? "" : v.unit),
                                        units::parse_unit(q.unit == "1" ? "" : q.unit));
        } catch (const std::exception&) {
          throw EvalError("computed in " + v.unit + ", which does not convert to " + q.unit);
        }
        for (double& x : r.values) x *= factor;
        r.unit = q.unit;
      }
      bool ok = !r.values.empty();
      for (size_t i = 0; i < r.values.size(); ++i) {
        const double x = r.values[i];
        ok = ok && std::isfinite(x) && x >= q.expect.min && x <= q.expect.max;
        if (i > 0 && q.expect.monotonic != 0)
          ok = ok && (q.expect.monotonic > 0 ? x > r.values[i - 1] : x < r.values[i - 1]);
      }
      if (q.expect.monotonic != 0 && r.values.size() < 2) {
        ok = false;
        r.error = "'monotonic' needs at least two values";
      }
      r.pass = ok;
    } catch (const EvalError& e) {
      r.error = e.what();
      r.pass = false;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PreparedRun> prepare_runs(const CaseSpec& spec, const ModelBinding& binding) {
  if (binding.model) check_plots(spec, binding.model->info());
  std::vector<PreparedRun> out;
  for (const auto& run : spec.runs) {
    const RunSpec* own = &run;
    if (!run.base.empty())
      for (const auto& other : spec.runs)
        if (other.name == run.base) own = &other;
    Scenario scenario;
    try {
      scenario = parse_scenario_text(own->scenario_text, spec.file, *binding.vocabulary, run.sets);
    } catch (const ScenarioError& e) {
      if (e.file() != "--set") throw;
      // Which edit failed: the first prefix of the edits that no longer parses.
      size_t bad = run.sets.size() - 1;
      for (size_t n = 1; n < run.sets.size(); ++n) {
        try {
          parse_scenario_text(own->scenario_text, spec.file, *binding.vocabulary,
                              std::vector<std::string>(run.sets.begin(), run.sets.begin() + n));
        } catch (const ScenarioError&) {
          bad = n - 1;
          break;
        }
      }
      const SourceMark m = run.set_marks[bad];
      throw ScenarioError(spec.file, m.line, m.column + (run.set_quoted[bad] ? 1 : 0) +
                                                 e.column() - 1,
                          std::string(e.what()) + " (in run '" + run.name + "')");
    }
    scenario.name = spec.id + "/" + run.name;
    out.push_back({spec.id, run.name, binding.make_problem(scenario)});
  }
  return out;
}

std::vector<RunData> simulate_runs(const Model& model, const std::vector<PreparedRun>& runs,
                                   int threads) {
  std::vector<RunData> out(runs.size());
  std::atomic<size_t> next{0};
  auto worker = [&]() {
    for (size_t i = next++; i < runs.size(); i = next++) {
      RunData& d = out[i];
      d.name = runs[i].name;
      try {
        const RunStats stats = simulate(model, runs[i].problem, d.samples);
        d.mass_balance_relative_error = stats.mass_balance_relative_error;
      } catch (const std::exception& e) {
        d.samples = MemorySink();
        d.error = e.what();
      }
    }
  };
  const int n = std::max(1, std::min<int>(threads, static_cast<int>(runs.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return out;
}

bool CaseResult::pass() const {
  for (const auto& q : quantities)
    if (q.checked && !q.pass) return false;
  return true;
}

std::string format_values(const std::vector<double>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", values[i]);
    if (i) out += ", ";
    out += buf;
  }
  return out;
}

std::string format_expectation(const Expectation& e, const std::string& unit) {
  auto num = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return std::string(buf);
  };
  const std::string u = unit.empty() || unit == "1" ? "" : " " + unit;
  std::string out;
  const bool lo = !e.min_text.empty(), hi = !e.max_text.empty();
  if (lo && hi) out = num(e.min) + " to " + num(e.max) + u;
  else if (lo) out = ">= " + num(e.min) + u;
  else if (hi) out = "<= " + num(e.max) + u;
  if (e.monotonic != 0) {
    if (!out.empty()) out += ", ";
    out += e.monotonic > 0 ? "increasing" : "decreasing";
  }
  return out;
}

}  // namespace magsim::engine::validation
