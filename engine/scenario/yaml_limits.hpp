// Reading YAML with bounds: a YAML alias can refer to its own anchor (`&a [*a]`, a tree of infinite
// depth) or repeat an anchor that itself repeats another ("billion laughs", a few hundred bytes
// that expand to billions of values). yaml-cpp shares aliased nodes, so Load itself stays small,
// but every later walk of the tree (reading a scenario, writing it back, copying a --set value)
// follows the aliases and then overflows the stack or exhausts memory. These limits are checked
// right after loading, before anything else walks the tree.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace magsim::engine {

inline constexpr std::size_t kYamlMaxDepth = 64;           // nesting levels, aliases followed
inline constexpr std::size_t kYamlMaxValues = 1000000;     // values, aliases expanded
inline constexpr std::size_t kYamlMaxScalar = 65536;       // characters in one value

// Refuses text in UTF-16 or UTF-32 (by name, at 1:1; a UTF-8 byte-order mark is fine) and text
// that is not valid UTF-8 or holds a NUL byte (at its line and column), then YAML::Load (whose
// own 500-level depth guard, which says only "bad file", is reported as the nesting limit), then a walk of the tree with aliases expanded: throws YAML::ParserException at the
// offending value's position if it nests deeper than kYamlMaxDepth, expands to more than
// kYamlMaxValues values, or holds a value longer than kYamlMaxScalar characters. Callers turn YAML exceptions into FILE:LINE:COL errors as for syntax.
YAML::Node load_yaml_bounded(const std::string& text);

}  // namespace magsim::engine
