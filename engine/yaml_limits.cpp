#include "engine/yaml_limits.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace magsim::engine {

namespace {

// Length of the UTF-8 sequence starting at text[i] (1-4), or 0 if it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1Fu; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0Fu; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07u; }
  else return 0;
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Text that YAML, HDF5's UTF-8 strings and h5py all take: valid UTF-8 without NUL bytes (a NUL
// once cut the stored scenario short; invalid bytes made h5py fail on /scenario/given).
void require_clean_text(const std::string& text) {
  int line = 0, column = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = text[i] == '\0' ? 0 : utf8_length(text, i);
    if (n == 0) {
      YAML::Mark mark;
      mark.pos = static_cast<int>(std::min<std::size_t>(i, 1u << 30));
      mark.line = line;
      mark.column = column;
      throw YAML::ParserException(mark, text[i] == '\0' ? "a NUL byte; the text must not contain one"
                                                          : "not valid UTF-8 (save the file as UTF-8)");
    }
    if (text[i] == '\n') {
      ++line;
      column = 0;
    } else {
      ++column;
    }
    i += n;
  }
}

}  // namespace

YAML::Node load_yaml_bounded(const std::string& text) {
  require_clean_text(text);
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
