// magsim params: every model parameter with value, unit, plausible range and source.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "app/model.hpp"

namespace magsim::cli {
namespace {

const char* kParamsUsage =
    "usage: magsim params [--tsv]\n"
    "\n"
    "List every parameter of the magnesium model: name, default value, unit, plausible range\n"
    "and source. Override any of them in a scenario under `parameters:` by name.\n"
    "docs/parameters.md has the same table with each override's allowed range;\n"
    "models/magnesium/README.md describes what each parameter does.\n"
    "\n"
    "  --tsv   tab-separated, with a header line, for scripts\n";

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

int params_command(const Args& args) {
  if (wants_help(args, kParamsUsage)) return kOk;
  bool tsv = false;
  for (const auto& a : args) {
    if (a == "--tsv") {
      tsv = true;
    } else {
      std::cerr << "magsim params: error: unexpected argument '" << a << "'\n" << kParamsUsage;
      return kBadInput;
    }
  }
  const auto& params = app::model().info().parameters;
  if (tsv) {
    std::cout << "name\tvalue\tunit\tmin\tmax\tsource\tnote\n";
    for (const auto& p : params)
      std::cout << p.name << '\t' << number(p.value) << '\t' << p.unit << '\t' << number(p.min)
                << '\t' << number(p.max) << '\t' << p.source << '\t' << p.note << '\n';
    return kOk;
  }
  size_t wn = 4, wv = 5, wu = 4, wr = 5;
  for (const auto& p : params) {
    wn = std::max(wn, p.name.size());
    wv = std::max(wv, number(p.value).size());
    wu = std::max(wu, p.unit.size());
    wr = std::max(wr, (number(p.min) + " - " + number(p.max)).size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  std::cout << pad("name", wn) << pad("value", wv) << pad("unit", wu) << pad("range", wr)
            << "source\n";
  for (const auto& p : params)
    std::cout << pad(p.name, wn) << pad(number(p.value), wv) << pad(p.unit, wu)
              << pad(number(p.min) + " - " + number(p.max), wr) << p.source
              << (p.note.empty() ? "" : " [" + p.note + "]") << '\n';
  std::cout << params.size() << " parameters\n";
  return kOk;
}

bool wants_help(const Args& args, const char* usage) {
  for (const auto& a : args)
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return true;
    }
  return false;
}

}  // namespace magsim::cli
