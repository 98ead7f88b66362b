// `magsim check`: things in a valid scenario that a clinician would question. Warnings only; a
// scenario that parses is runnable. Limits (upper level, eGFR, chelation gap) and their sources
// come from the model's Vocabulary.
#pragma once

#include <string>
#include <vector>

#include "engine/scenario/scenario.hpp"
#include "engine/model/vocabulary.hpp"

namespace magsim::engine {

struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based; 0 when no position is known
  int column = 0;
  std::string severity = "warning";
  std::string message;

  // "file:line:col: warning: message" ("file: warning: message" without a position).
  std::string formatted() const;
};

// Warnings, in scenario order:
//  - supplements (not diet, not IV) above vocab.supplement_upper_level_mmol_per_day on some day;
//  - an oral drug that chelates Mg taken within vocab.chelation_separation_h of a supplement dose;
//  - oral supplements with eGFR below vocab.oral_min_egfr;
//  - IV infusions against vocab.infusion_limits: a maintenance infusion with eGFR below
//    min_egfr; a maintenance rate whose steady state, at least rate / (GFR x ultrafilterable
//    fraction), passes the steady-state threshold; a first hour's Mg over the distribution
//    volume that passes the acute threshold;
//  - parameter overrides outside the parameter's plausible range.
std::vector<Diagnostic> check_scenario(const Scenario& scenario, const Vocabulary& vocab);

}  // namespace magsim::engine
