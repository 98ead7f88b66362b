#include "engine/scenario_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/scenario_parser.hpp"
#include "engine/units.hpp"

namespace magsim::engine {
namespace {

std::string approx(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The part of the vocabulary's source list that mentions `keyword` (sources are "; "-separated),
// or the whole list.
std::string source_for(const Vocabulary& vocab, const std::string& keyword) {
  const std::string& all = vocab.limits_source;
  std::size_t begin = 0;
  while (begin < all.size()) {
    std::size_t end = all.find(';', begin);
    if (end == std::string::npos) end = all.size();
    std::string part = all.substr(begin, end - begin);
    const std::size_t first = part.find_first_not_of(' ');
    part = first == std::string::npos ? std::string() : part.substr(first);
    if (part.find(keyword) != std::string::npos) return part;
    begin = end + 1;
  }
  return all;
}

// Dose instants in [0, end_h), sorted.
std::vector<double> instants(const DoseTiming& t, double end_h) {
  std::vector<double> out;
  if (!t.times_of_day_h.empty()) {
    const double from = std::max(t.start_h, 0.0);
    const double to = std::min(t.stop_h, end_h);
    if (to > from) {
      for (double day = std::floor(from / 24); day * 24 < to; ++day)
        for (double tod : t.times_of_day_h) {
          const double x = day * 24 + tod;
          if (x >= from && x < to) out.push_back(x);
        }
    }
  }
  for (double a : t.at_h)
    if (a >= 0 && a < end_h) out.push_back(a);
  std::sort(out.begin(), out.end());
  return out;
}

// "day 3 08:00"
std::string when(double t_h) {
  const double day = std::floor(t_h / 24);
  return "day " + std::to_string(static_cast<long>(day) + 1) + " " +
         format_time_of_day(t_h - day * 24);
}

std::string gap_text(double h) { return h < 1 ? approx(h * 60) + " min" : approx(h) + " h"; }

Diagnostic warning(const Scenario& s, const SourceMark& m, const std::string& message) {
  return Diagnostic{s.file, m.line, m.column, "warning", message};
}

void check_upper_level(const Scenario& s, const Vocabulary& vocab, std::vector<Diagnostic>& out) {
  if (s.supplements.empty() || vocab.supplement_upper_level_mmol_per_day <= 0) return;
  std::map<long, double> per_day;  // day index -> elemental mmol
  for (const auto& sup : s.supplements)
    for (double t : instants(sup.timing, s.duration_h))
      per_day[static_cast<long>(std::floor(t / 24))] += sup.dose_mmol;
  const double limit = vocab.supplement_upper_level_mmol_per_day;
  long first = -1;
  double highest = 0;
  for (const auto& [day, mmol] : per_day) {
    if (mmol > limit * (1 + 1e-12)) {
      if (first < 0) first = day;
      highest = std::max(highest, mmol);
    }
  }
  if (first < 0) return;
  const double mg_per_mmol = scenario_defaults::element().molar_mass_g_per_mol;
  out.push_back(warning(s, s.supplements.front().mark,
                        "supplements give up to " + approx(highest * mg_per_mmol) +
                            " mg/d elemental Mg (first on day " + std::to_string(first + 1) +
                            "), above the tolerable upper level for supplements of " +
                            approx(limit * mg_per_mmol) +
                            " mg/d; source: " + source_for(vocab, "UL")));
}

void check_chelation(const Scenario& s, const Vocabulary& vocab, std::vector<Diagnostic>& out) {
  const double gap = vocab.chelation_separation_h;
  if (gap <= 0) return;
  for (std::size_t m = 0; m < s.medications.size(); ++m) {
    const Medication& med = s.medications[m];
    const DrugInfo* drug = vocab.find_drug(med.drug);
    if (!drug || !drug->chelates_with_mg || med.route != "oral") continue;
    const std::vector<double> drug_times = instants(med.timing, s.duration_h);
    for (std::size_t k = 0; k < s.supplements.size(); ++k) {
      const Supplement& sup = s.supplements[k];
      const std::vector<double> mg_times = instants(sup.timing, s.duration_h);
      // Both lists are sorted: walk them together to find the first pair closer than `gap`.
      std::size_t j = 0;
      for (double t : drug_times) {
        while (j < mg_times.size() && mg_times[j] <= t - gap) ++j;
        if (j < mg_times.size() && std::fabs(mg_times[j] - t) < gap) {
          out.push_back(
              warning(s, med.mark,
                      med.drug + " (medications[" + std::to_string(m) + "]) at " + when(t) +
                          " is " + gap_text(std::fabs(mg_times[j] - t)) + " from the " + sup.form +
                          " Mg dose (supplements[" + std::to_string(k) + "]) at " +
                          when(mg_times[j]) + ": Mg binds " + drug->drug_class +
                          " drugs in the gut and cuts their absorption; "
                          "take them at least " +
                          gap_text(gap) + " apart; source: " + source_for(vocab, "separation")));
          break;
        }
      }
    }
  }
}

void check_kidney(const Scenario& s, const Vocabulary& vocab, std::vector<Diagnostic>& out) {
  if (s.supplements.empty() || !(s.subject.egfr_ml_min_173 < vocab.oral_min_egfr)) return;
  out.push_back(
      warning(s, s.supplements.front().mark,
              "oral Mg supplements with eGFR " + approx(s.subject.egfr_ml_min_173) +
                  " mL/min/1.73m2 (below " + approx(vocab.oral_min_egfr) +
                  "): the kidneys may not clear the extra Mg, risk of hypermagnesemia; source: " +
                  source_for(vocab, "eGFR")));
}

void check_parameters(const Scenario& s, const Vocabulary& vocab, std::vector<Diagnostic>& out) {
  for (const auto& p : s.parameters) {
    const ParameterInfo* info = vocab.find_parameter(p.name);
    if (!info || (p.value >= info->min && p.value <= info->max)) continue;
    const std::string unit = info->unit.empty() || info->unit == "1" ? "" : " " + info->unit;
    out.push_back(warning(s, p.mark,
                          "parameter '" + p.name + "' = " + units::shortest_number(p.value) + unit +
                              " is outside its plausible range " +
                              units::shortest_number(info->min) + "-" +
                              units::shortest_number(info->max) + unit +
                              (info->source.empty() ? "" : "; source: " + info->source)));
  }
}

}  // namespace

std::string Diagnostic::formatted() const {
  const std::string where =
      line > 0 ? file + ":" + std::to_string(line) + ":" + std::to_string(column) : file;
  return where + ": " + severity + ": " + message;
}

std::vector<Diagnostic> check_scenario(const Scenario& scenario, const Vocabulary& vocab) {
  std::vector<Diagnostic> out;
  check_upper_level(scenario, vocab, out);
  check_chelation(scenario, vocab, out);
  check_kidney(scenario, vocab, out);
  check_parameters(scenario, vocab, out);
  return out;
}

}  // namespace magsim::engine
