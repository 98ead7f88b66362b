// Writes the libFuzzer dictionary of the scenario vocabulary (tests/fuzz/scenario.dict) to stdout:
// the magnesium model's vocabulary (salt forms and aliases, drugs and their routes, conditions,
// sexes, parameters and their units, output series, measured start values, population covariates),
// the keys and keywords the scenario and sweep parsers accept (their `const
// std::vector<std::string> k...{...}` tables, read from the source), the unit symbols (the table
// in engine/scenario/units.cpp), the sweep summary words, and a few YAML and input-format tokens.
//
//   magsim_fuzz_dictionary SOURCE_DIR > tests/fuzz/scenario.dict     (tools/fuzz --update-dict)
//
// tools/test_fuzz fails when the stored dictionary differs from this output, so it cannot fall
// behind the vocabulary.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/sweep.hpp"
#include "models/magnesium/magnesium.hpp"

namespace {

using Words = std::set<std::string>;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "magsim_fuzz_dictionary: cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The quoted strings of every `const std::vector<std::string> kName{...};` and `allowed = {...};`
// (the keys a sweep's covariate takes) in a source file.
Words keyword_tables(const std::string& source) {
  Words w;
  const std::regex table(R"((?:const std::vector<std::string> k\w+|allowed = )\{([^;]*)\};)");
  const std::regex quoted(R"re("([^"\\]*)")re");
  for (auto t = std::sregex_iterator(source.begin(), source.end(), table);
       t != std::sregex_iterator(); ++t) {
    const std::string body = (*t)[1];
    for (auto q = std::sregex_iterator(body.begin(), body.end(), quoted);
         q != std::sregex_iterator(); ++q)
      w.insert((*q)[1]);
  }
  return w;
}

// The unit symbols of engine/scenario/units.cpp's table: {"mg", base(...)}, {"%", Unit{...}}.
Words unit_symbols(const std::string& source) {
  Words w;
  const std::regex symbol(R"re(\{"([^"\\]+)", (base|Unit)\b)re");
  for (auto s = std::sregex_iterator(source.begin(), source.end(), symbol);
       s != std::sregex_iterator(); ++s)
    w.insert((*s)[1]);
  return w;
}

// The lower-case words of a help text ("SERIES.initial|final|min ..." -> initial, final, min).
Words words_of(const std::string& text) {
  Words w;
  const std::regex word(R"([a-z][a-z0-9_]+)");
  for (auto s = std::sregex_iterator(text.begin(), text.end(), word); s != std::sregex_iterator();
       ++s)
    w.insert(s->str());
  return w;
}

std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      q += buf;
    } else {
      q += static_cast<char>(c);
    }
  }
  return q + "\"";
}

// The words not written yet, under a title (nothing when all of them were).
void section(const std::string& title, const Words& words, Words& written) {
  bool titled = false;
  for (const auto& w : words) {
    if (w.empty() || !written.insert(w).second) continue;
    if (!titled) std::cout << "\n# " << title << "\n";
    titled = true;
    std::cout << quoted(w) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: magsim_fuzz_dictionary SOURCE_DIR > tests/fuzz/scenario.dict\n";
    return 2;
  }
  const std::string src = argv[1];
  namespace mg = magsim::models::magnesium;
  const auto& v = mg::vocabulary();

  Words salts, drugs, conditions, parameters, units, outputs, measured, population;
  for (const auto& s : v.salts) salts.insert(s.name);
  for (const auto& d : v.drugs) {
    drugs.insert(d.name);
    for (const auto& r : d.routes) drugs.insert(r);
  }
  for (const auto& c : v.conditions) conditions.insert(c);
  for (const auto& s : v.sexes) conditions.insert(s);
  for (const auto& p : v.parameters) {
    parameters.insert(p.name);
    if (!p.unit.empty()) units.insert(p.unit);
  }
  for (const auto& o : mg::model().info().outputs) {
    outputs.insert(o.name);
    if (!o.unit.empty()) units.insert(o.unit);
  }
  for (const auto& m : v.measurable) {
    measured.insert(m.name);
    units.insert(m.unit);
  }
  for (const auto& c : mg::reference_population().covariates) {
    population.insert(c.name);
    population.insert(c.path);
    for (const auto& l : c.levels) population.insert(l);
    if (!c.unit.empty()) units.insert(c.unit);
  }
  for (const auto& p : mg::reference_population().variability.parameters) population.insert(p);

  Words keys = keyword_tables(read(src + "/engine/scenario/parser.cpp"));
  const Words sweep_keys = keyword_tables(read(src + "/engine/sweep/definition.cpp"));
  keys.insert(sweep_keys.begin(), sweep_keys.end());
  const Words symbols = unit_symbols(read(src + "/engine/scenario/units.cpp"));
  const Words summary = words_of(magsim::app::sweep_metric_help());

  // Tokens of YAML and of the fuzz input format (tests/fuzz/fuzz_input.hpp).
  const Words syntax{"#set ", "#base ", "[+]", "=", ": ", "- ", "{", "}", "[", "]", ", ", "&a ",
                     "*a", "<<: ", "!!str ", "---", "...", "|", ">", "'", "\"", "\n  ", "~",
                     "null", "true", "false", ".inf", "-.inf", ".nan", "1e308", "-1", "0",
                     "07:30", "23:59", "1 h", "300 mg", "/kg", "/kg/h", "/d", "/h"};

  std::cout << "# libFuzzer dictionary of the magsim scenario vocabulary. Generated by\n"
               "# tests/fuzz/make_dictionary.cpp (tools/fuzz --update-dict); do not edit by "
               "hand:\n# tools/test_fuzz fails when it differs from the model's vocabulary.\n";
  Words written;
  section("salt forms (and aliases)", salts, written);
  section("drugs and routes", drugs, written);
  section("conditions and sexes", conditions, written);
  section("scenario and sweep keys and keywords (engine/scenario/parser.cpp, "
          "engine/sweep/definition.cpp)",
          keys, written);
  section("model parameters", parameters, written);
  section("output series", outputs, written);
  section("measured start values", measured, written);
  section("population covariates and varied parameters", population, written);
  section("sweep summary metrics (app/sweep.cpp)", summary, written);
  section("unit symbols (engine/scenario/units.cpp)", symbols, written);
  section("units of parameters, outputs and covariates", units, written);
  section("YAML and input-format tokens", syntax, written);
  return 0;
}
