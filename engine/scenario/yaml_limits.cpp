#include "engine/scenario/yaml_limits.hpp"

#include <yaml-cpp/depthguard.h>

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

[[noreturn]] void refuse_at_start(const std::string& message) {
  YAML::Mark mark;
  mark.pos = 0;
  mark.line = 0;
  mark.column = 0;
  throw YAML::ParserException(mark, message);
}

// A text in UTF-16 or UTF-32 (with a byte-order mark, or UTF-16 without one, recognised by the
// NUL byte of its first ASCII character) is refused by name: it is not valid UTF-8, and read as
// such its BOM once stayed in the first key. A UTF-8 BOM is fine: YAML skips it.
void refuse_utf16_or_32(const std::string& text) {
  const auto starts = [&](const char* bom, std::size_t n) {
    return text.size() >= n && text.compare(0, n, bom, n) == 0;
  };
  const char* encoding = nullptr;
  if (starts("\xFF\xFE\0\0", 4))
    encoding = "UTF-32 (little-endian, with a byte-order mark)";
  else if (starts("\0\0\xFE\xFF", 4))
    encoding = "UTF-32 (big-endian, with a byte-order mark)";
  else if (starts("\xFF\xFE", 2))
    encoding = "UTF-16 (little-endian, with a byte-order mark)";
  else if (starts("\xFE\xFF", 2))
    encoding = "UTF-16 (big-endian, with a byte-order mark)";
  else if (text.size() >= 2 && text[0] != '\0' && text[1] == '\0' &&
           static_cast<unsigned char>(text[0]) < 0x80)
    encoding = "UTF-16 (little-endian)";
  else if (text.size() >= 2 && text[0] == '\0' && text[1] != '\0' &&
           static_cast<unsigned char>(text[1]) < 0x80)
    encoding = "UTF-16 (big-endian)";
  if (encoding)
    refuse_at_start(std::string("the text is ") + encoding + "; save it as UTF-8 (e.g. iconv -f " +
                    std::string(encoding).substr(0, 6) + " -t UTF-8 FILE)");
}

// Text that YAML, HDF5's UTF-8 strings and h5py all take: valid UTF-8 without NUL bytes (a NUL
// once cut the stored scenario short; invalid bytes made h5py fail on /scenario/given).
void require_clean_text(const std::string& text) {
  refuse_utf16_or_32(text);
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

std::string nesting_message() {
  return "the YAML nests more than " + std::to_string(kYamlMaxDepth) +
         " levels deep, the nesting limit (lists and maps inside each other, or an alias that "
         "refers to its own anchor)";
}

}  // namespace

YAML::Node load_yaml_bounded(const std::string& text) {
  require_clean_text(text);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (500 levels) says only "bad file".
    throw YAML::ParserException(e.mark, nesting_message());
  }
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
    if (depth > kYamlMaxDepth) throw YAML::ParserException(node.Mark(), nesting_message());
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
