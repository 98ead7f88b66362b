#include "engine/yaml_limits.hpp"

#include <utility>
#include <vector>

namespace magsim::engine {

YAML::Node load_yaml_bounded(const std::string& text) {
  YAML::Node root = YAML::Load(text);
  // Depth-first with an explicit stack, so the walk itself never recurses.
  std::vector<std::pair<YAML::Node, std::size_t>> stack{{root, 1}};
  std::size_t values = 0;
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (++values > kYamlMaxValues)
      throw YAML::ParserException(node.Mark(), "the YAML expands to more than " +
                                                   std::to_string(kYamlMaxValues) +
                                                   " values (aliases repeat their anchor's contents)");
    if (depth > kYamlMaxDepth)
      throw YAML::ParserException(node.Mark(), "the YAML nests more than " + std::to_string(kYamlMaxDepth) +
                                                   " levels deep (an alias that refers to its own anchor?)");
    if (node.IsScalar() && node.Scalar().size() > kYamlMaxScalar)
      throw YAML::ParserException(node.Mark(), "a value of " + std::to_string(node.Scalar().size()) +
                                                   " characters; at most " + std::to_string(kYamlMaxScalar) +
                                                   " are read");
    if (node.IsSequence()) {
      for (const auto& child : node) stack.emplace_back(child, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        stack.emplace_back(kv.first, depth + 1);
        stack.emplace_back(kv.second, depth + 1);
      }
    }
  }
  return root;
}

}  // namespace magsim::engine
