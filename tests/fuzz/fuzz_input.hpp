// What the fuzz targets share: how one input is split into a YAML text and its edits, and which
// outcomes are expected (the project's own errors) and which are findings (everything else).
//
// An input is a YAML text (a scenario or a sweep file). Lines of it that start with "#set " are
// comments to YAML and, to the targets, edits: "#set subject.egfr=30 mL/min/1.73m2" is
// `--set 'subject.egfr=30 mL/min/1.73m2'` (at most kMaxEdits of them, in order). In the sweep
// target, lines starting with "#base " are the lines of the base scenario. So every scenario and
// sweep file is an input as it is, and a reproducer is a file the CLI reads:
//   magsim check FILE $(sed -n 's/^#set /--set=/p' FILE)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "engine/model/errors.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::fuzz {

constexpr std::size_t kMaxEdits = 8;

struct Input {
  std::string text;                 // the whole input, as the YAML text
  std::vector<std::string> sets;    // the "#set " lines, without the prefix
  std::vector<std::string> base;    // the "#base " lines, without the prefix
  std::string base_text() const {
    std::string t;
    for (const auto& l : base) t += l + "\n";
    return t;
  }
};

inline Input split_input(const std::uint8_t* data, std::size_t size) {
  Input in;
  in.text.assign(reinterpret_cast<const char*>(data), size);
  std::size_t pos = 0;
  while (pos < in.text.size()) {
    std::size_t end = in.text.find('\n', pos);
    if (end == std::string::npos) end = in.text.size();
    const std::string line = in.text.substr(pos, end - pos);
    if (line.compare(0, 5, "#set ") == 0 && in.sets.size() < kMaxEdits)
      in.sets.push_back(line.substr(5));
    else if (line.compare(0, 6, "#base ") == 0)
      in.base.push_back(line.substr(6));
    pos = end + 1;
  }
  return in;
}

// Runs `body`; the project's own errors are expected outcomes of hostile input. Returns "" for
// those and for success, or what else escaped (its type and message): a finding.
template <class Body>
std::string unexpected_error(const char* target, Body&& body) {
  // MAGSIM_FUZZ_VERBOSE=1 prints the expected errors too, to see what an input meets.
  static const bool verbose = std::getenv("MAGSIM_FUZZ_VERBOSE") != nullptr;
  try {
    body();
  } catch (const engine::ScenarioError& e) {
    if (verbose) std::fprintf(stderr, "%s: %s\n", target, e.formatted().c_str());
  } catch (const engine::SimulationError& e) {
    if (verbose) std::fprintf(stderr, "%s: simulation error: %s\n", target, e.what());
  } catch (const std::exception& e) {
    return std::string("uncaught ") + typeid(e).name() + ": " + e.what();
  } catch (...) {
    return "uncaught exception of unknown type";
  }
  return "";
}

// The same for a fuzz target: anything but the project's errors aborts, so that libFuzzer
// records the input as a crash.
template <class Body>
void expect_only_project_errors(const char* target, Body&& body) {
  const std::string finding = unexpected_error(target, std::forward<Body>(body));
  if (finding.empty()) return;
  std::fprintf(stderr, "%s: FINDING: %s\n", target, finding.c_str());
  std::abort();
}

}  // namespace magsim::fuzz
