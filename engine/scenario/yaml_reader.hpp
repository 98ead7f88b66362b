// Reading a YAML input file (a sweep file, a fit file, a dataset mapping) with the project's
// error style: every mistake is a ScenarioError at the offending key or value, FILE:LINE:COL,
// unknown keys named with the nearest allowed one, quantities converted with their units
// checked. Nodes that came from a --set argument are reported at their column in that argument.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/scenario/scenario.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::engine {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  // Nodes that came from a --set argument, with the column of the value in it.
  void register_set_node(const YAML::Node& n, int column) {
    set_nodes_.push_back({n, column});
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        register_set_node(it->first, column);
        register_set_node(it->second, column);
      }
    } else if (n.IsSequence()) {
      for (auto it = n.begin(); it != n.end(); ++it) register_set_node(*it, column);
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message,
                         std::size_t offset = 0) const {
    const YAML::Mark m = at.Mark();
    for (const auto& [node, column] : set_nodes_)
      if (node.is(at))
        throw ScenarioError("--set", 1, column + std::max(0, m.column) + static_cast<int>(offset),
                            message);
    if (m.is_null() || m.line < 0) throw ScenarioError("--set", 1, 1, message);
    const int quote = (offset > 0 && at.IsScalar() && at.Tag() == "!") ? 1 : 0;
    throw ScenarioError(file_, m.line + 1, m.column + 1 + quote + static_cast<int>(offset),
                        message);
  }

  SourceMark mark(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    for (const auto& [node, column] : set_nodes_)
      if (node.is(n)) return {1, column + std::max(0, m.column)};
    if (m.is_null() || m.line < 0) return {1, 1};  // a key a --set added
    return {m.line + 1, m.column + 1};
  }

  // Whether a node came from a --set argument rather than the file.
  bool from_set(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return true;
    for (const auto& [node, column] : set_nodes_)
      if (node.is(n)) return true;
    return false;
  }

  struct Field {
    std::string name;
    YAML::Node key, value;
  };

  std::vector<Field> fields(const YAML::Node& map, const std::string& context,
                            const std::vector<std::string>* allowed) const {
    if (!map.IsMap()) fail(map, "expected a map (key: value) for " + context);
    std::vector<Field> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, "expected a plain key in " + context);
      const std::string key = it->first.Scalar();
      if (allowed && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
        const std::string near = closest_name(key, *allowed);
        std::string list;
        for (const auto& a : *allowed) list += (list.empty() ? "" : ", ") + a;
        fail(it->first, "unknown key '" + key + "' in " + context +
                            (near.empty() ? "; expected one of: " + list
                                          : "; did you mean '" + near + "'?"));
      }
      for (const auto& f : out)
        if (f.name == key) fail(it->first, "'" + key + "' is given twice in " + context);
      out.push_back({key, it->first, it->second});
    }
    return out;
  }

  const Field* find(const std::vector<Field>& fs, const std::string& name) const {
    for (const auto& f : fs)
      if (f.name == name) return &f;
    return nullptr;
  }

  std::string scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) fail(n, "expected " + what);
    return n.Scalar();
  }

  std::uint64_t count(const YAML::Node& n, const std::string& what, std::uint64_t max) const {
    const std::string s = scalar(n, what);
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
      fail(n, "expected " + what + " (a whole number), got '" + s + "'");
    errno = 0;
    const unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
    if (errno == ERANGE || v > max)
      fail(n, what + " must be at most " + std::to_string(max) + ", got " + s);
    return v;
  }

  // A quantity converted to `unit`; offsets inside the scalar for unit errors.
  double quantity(const YAML::Node& n, const std::string& unit, const std::string& what) const {
    const std::string s = scalar(n, what);
    try {
      return units::convert(s, unit.empty() ? "1" : unit);
    } catch (const units::UnitError& e) {
      fail(n, what + " (in " + (unit.empty() ? "1" : unit) + "): " + e.what(), e.offset());
    }
  }

  // A value of any YAML shape as text that YAML::Load gives back as the same tree.
  static std::string yaml_text(const YAML::Node& n) {
    if (n.IsScalar()) {
      // Plain scalars as written; quoted ones re-quoted by the emitter.
      if (n.Tag() != "!") return n.Scalar();
    }
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << n;
    return out.c_str();
  }

 protected:
  std::string file_;

 private:
  std::vector<std::pair<YAML::Node, int>> set_nodes_;
};

}  // namespace magsim::engine
