#include "engine/scenario/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/scenario/parser.hpp"
#include "engine/scenario/timing.hpp"
#include "engine/scenario/units.hpp"

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
    // Walked one dose at a time: a 150-year daily regimen is never held.
    for (OccurrenceCursor t(occurrences_of(sup.timing, 0.0, s.duration_h)); !t.done(); t.advance())
      per_day[static_cast<long>(std::floor(t.peek() / 24))] += sup.dose_mmol;
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
    for (std::size_t k = 0; k < s.supplements.size(); ++k) {
      const Supplement& sup = s.supplements[k];
      OccurrenceCursor mg(occurrences_of(sup.timing, 0.0, s.duration_h));
      // Both come in time order: walk them together to find the first pair closer than `gap`.
      for (OccurrenceCursor drug_time(occurrences_of(med.timing, 0.0, s.duration_h));
           !drug_time.done(); drug_time.advance()) {
        const double t = drug_time.peek();
        while (!mg.done() && mg.peek() <= t - gap) mg.advance();
        if (!mg.done() && std::fabs(mg.peek() - t) < gap) {
          out.push_back(
              warning(s, med.mark,
                      med.drug + " (medications[" + std::to_string(m) + "]) at " + when(t) +
                          " is " + gap_text(std::fabs(mg.peek() - t)) + " from the " + sup.form +
                          " Mg dose (supplements[" + std::to_string(k) + "]) at " +
                          when(mg.peek()) + ": Mg binds " + drug->drug_class +
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

// The Above thresholds of `series`, lowest first.
std::vector<const AlertThreshold*> thresholds_above(const Vocabulary& vocab,
                                                    const std::string& series) {
  std::vector<const AlertThreshold*> out;
  for (const auto& t : vocab.thresholds)
    if (t.series == series && t.direction == ThresholdDirection::Above) out.push_back(&t);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->value < b->value; });
  return out;
}

// "above 7.5 mmol/L (altered cardiac conduction; SOURCE)": the highest of `above` that `level`
// passes.
std::string passed_text(const std::vector<const AlertThreshold*>& above, double level) {
  const AlertThreshold* highest = nullptr;
  for (const auto* t : above)
    if (level > t->value) highest = t;
  if (!highest) return "";
  return "above " + approx(highest->value) + " " + highest->unit + " (" + highest->meaning +
         "; " + highest->source + ")";
}

// Mg (elemental mmol) an infusion gives in its first hour.
double first_hour_amount(const Infusion& inf) {
  double amount = 0, t = 0;
  if (inf.loading_mmol > 0) {
    if (inf.loading_over_h > 0) {
      amount += inf.loading_mmol * std::min(1.0, 1.0 / inf.loading_over_h);
      t = inf.loading_over_h;
    } else {
      amount += inf.loading_mmol;
    }
  }
  if (t < 1) amount += inf.rate_mmol_per_h * std::min(1.0 - t, inf.duration_h);
  return amount;
}

void check_infusions(const Scenario& s, const Vocabulary& vocab, std::vector<Diagnostic>& out) {
  const InfusionLimits& lim = vocab.infusion_limits;
  if (s.infusions.empty() || lim.series.empty()) return;
  const auto above = thresholds_above(vocab, lim.series);
  const double egfr =
      std::isnan(s.subject.egfr_ml_min_173) ? lim.default_egfr : s.subject.egfr_ml_min_173;
  const double gfr_L_per_h = egfr * 60.0 / 1000.0;  // body size taken as 1.73 m2
  const AlertThreshold* steady = vocab.find_threshold(lim.steady_state_threshold);
  const AlertThreshold* acute = vocab.find_threshold(lim.acute_threshold);
  const std::string unit = steady ? steady->unit : acute ? acute->unit : "";
  for (std::size_t k = 0; k < s.infusions.size(); ++k) {
    const Infusion& inf = s.infusions[k];
    const std::string which = "infusions[" + std::to_string(k) + "]";
    const bool maintenance = inf.rate_mmol_per_h > 0 && inf.duration_h > 0;
    if (maintenance && egfr < lim.min_egfr)
      out.push_back(warning(
          s, inf.mark,
          "IV Mg maintenance infusion (" + which + ") with eGFR " + approx(egfr) +
              " mL/min/1.73m2 (below " + approx(lim.min_egfr) +
              "): Mg is excreted almost entirely by the kidneys; reduce the dose and monitor "
              "serum Mg; source: " + lim.renal_source));
    if (maintenance && steady && gfr_L_per_h > 0 && lim.ultrafilterable_fraction > 0) {
      const double level = inf.rate_mmol_per_h / (gfr_L_per_h * lim.ultrafilterable_fraction);
      if (level > steady->value)
        out.push_back(warning(
            s, inf.mark,
            which + " at " + approx(inf.rate_mmol_per_h) + " mmol/h with a GFR of ~" +
                approx(egfr) + " mL/min would hold serum total Mg at " + approx(level) + " " +
                unit + " or more at steady state (rate / (GFR x " +
                approx(lim.ultrafilterable_fraction) +
                "): the kidney excretes at most what it filters; " + lim.steady_state_source +
                "), " + passed_text(above, level)));
    }
    if (acute && lim.distribution_volume_L_per_kg > 0 && s.subject.weight_kg > 0) {
      const double volume = lim.distribution_volume_L_per_kg * s.subject.weight_kg;
      const double amount = first_hour_amount(inf);
      const double rise = amount / volume;
      if (rise > acute->value)
        out.push_back(warning(
            s, inf.mark,
            which + " gives " + approx(amount) + " mmol Mg in its first hour: over a volume of " +
                approx(volume) + " L (" + lim.acute_source +
                ") that alone raises serum total Mg by ~" + approx(rise) + " " + unit + ", " +
                passed_text(above, rise)));
    }
  }
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
  check_infusions(scenario, vocab, out);
  check_parameters(scenario, vocab, out);
  return out;
}

}  // namespace magsim::engine
