#include "engine/scenario/writer.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::engine {
namespace {

using units::format_best;

std::string approx(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Ties go to the earlier unit: "12 w" rather than "84 d", "0 h" rather than "0 d".
std::string span(double h) { return format_best(h, "h", {"h", "w", "d", "y", "min"}); }

// A short salt mass ("4 g", "1 g/h") whose elemental equivalent is exactly `mmol`, or "" if the
// amount was not given as a round salt mass.
std::string salt_text(double mmol, const SaltForm& salt, bool per_hour) {
  if (!(salt.mg_mass_fraction > 0) || !(mmol > 0)) return "";
  const double salt_mg =
      mmol * scenario_defaults::element().molar_mass_g_per_mol / salt.mg_mass_fraction;
  const units::QuantityKind kind = per_hour ? units::kinds::salt_rate() : units::kinds::salt_mass();
  std::string best;
  const std::vector<std::string> candidates = per_hour
                                                  ? std::vector<std::string>{"g/h", "mg/h", "g/d"}
                                                  : std::vector<std::string>{"g", "mg"};
  for (const std::string& unit : candidates) {
    const double v =
        units::convert_value(salt_mg, units::parse_unit(kind.unit), units::parse_unit(unit));
    for (int digits = 1; digits <= 8; ++digits) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.*g", digits, v);
      const std::string text = std::string(buf) + " " + unit;
      if (text.find('e') != std::string::npos) break;
      if (salt_to_elemental_mmol(units::convert(text, kind), salt) == mmol) {
        if (best.empty() || text.size() < best.size()) best = text;
        break;
      }
    }
  }
  return best;
}

class Writer {
 public:
  Writer(const Vocabulary& vocab) : vocab_(vocab), element_(scenario_defaults::element()) {}

  std::string write(const Scenario& s) {
    out_ << YAML::Comment(
        "resolved by magsim: every default filled in; amounts are elemental Mg "
        "unless named salt_*");
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "name" << YAML::Value << s.name;
    if (!s.description.empty()) out_ << YAML::Key << "description" << YAML::Value << s.description;
    out_ << YAML::Key << "duration" << YAML::Value << span(s.duration_h);

    out_ << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
    out_ << YAML::Key << "interval" << YAML::Value << span(s.output.interval_h);
    if (!s.output.times_h.empty()) {
      out_ << YAML::Key << "times" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (double t : s.output.times_h) out_ << span(t);
      out_ << YAML::EndSeq;
    }
    out_ << YAML::Key << "variables" << YAML::Value << YAML::Flow << s.output.variables;
    out_ << YAML::EndMap;

    write_subject(s.subject);
    write_diet(s.diet);

    out_ << YAML::Key << "supplements" << YAML::Value << YAML::BeginSeq;
    for (const auto& x : s.supplements) write_supplement(x);
    out_ << YAML::EndSeq;
    out_ << YAML::Key << "infusions" << YAML::Value << YAML::BeginSeq;
    for (const auto& x : s.infusions) write_infusion(x);
    out_ << YAML::EndSeq;
    out_ << YAML::Key << "injections" << YAML::Value << YAML::BeginSeq;
    for (const auto& x : s.injections) write_injection(x);
    out_ << YAML::EndSeq;
    out_ << YAML::Key << "medications" << YAML::Value << YAML::BeginSeq;
    for (const auto& x : s.medications) write_medication(x);
    out_ << YAML::EndSeq;

    out_ << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    for (const auto& p : s.parameters) {
      const ParameterInfo* info = vocab_.find_parameter(p.name);
      const std::string unit = info && !info->unit.empty() ? info->unit : "1";
      out_ << YAML::Key << p.name << YAML::Value
           << (unit == "1" ? units::shortest_number(p.value) : units::format_exact(p.value, unit));
      if (info)
        out_ << YAML::Comment("default " + units::shortest_number(info->value) +
                              (unit == "1" ? "" : " " + unit));
    }
    out_ << YAML::EndMap;

    out_ << YAML::Key << "initial" << YAML::Value;
    if (s.measured.empty()) {
      out_ << s.initial;
    } else {
      out_ << YAML::Flow << YAML::BeginMap;
      for (const auto& m : s.measured)
        out_ << YAML::Key << m.name << YAML::Value << units::format_exact(m.value, m.unit);
      out_ << YAML::EndMap;
      out_ << YAML::Comment("measured: held while every other state settles to its steady state");
    }
    out_ << YAML::Key << "solver" << YAML::Value << YAML::BeginMap;
    out_ << YAML::Key << "method" << YAML::Value << s.solver.method;
    out_ << YAML::Key << "rtol" << YAML::Value << units::shortest_number(s.solver.rtol);
    out_ << YAML::Key << "atol" << YAML::Value << units::shortest_number(s.solver.atol);
    out_ << YAML::Key << "max_step" << YAML::Value << span(s.solver.max_step_h);
    out_ << YAML::EndMap;
    out_ << YAML::EndMap;
    return std::string(out_.c_str()) + "\n";
  }

 private:
  std::string elemental_amount(double mmol) const {
    return format_best(mmol, "mmol", {"mg", "mmol", "g"}, &element_);
  }
  std::string elemental_rate(double mmol_per_h) const {
    return format_best(mmol_per_h, "mmol/h", {"mg/d", "mmol/d", "mmol/h", "mg/h", "g/h"},
                       &element_);
  }
  std::string elemental_note(double mmol) const {
    return "= " + approx(mmol) + " mmol = " + approx(mmol * element_.molar_mass_g_per_mol) +
           " mg " + element_.symbol;
  }
  void times_of_day(const std::vector<double>& hours) {
    out_ << YAML::Flow << YAML::BeginSeq;
    for (double h : hours) out_ << YAML::DoubleQuoted << format_time_of_day(h);
    out_ << YAML::EndSeq;
  }

  void write_subject(const Subject& x) {
    out_ << YAML::Key << "subject" << YAML::Value << YAML::BeginMap;
    out_ << YAML::Key << "sex" << YAML::Value << x.sex;
    out_ << YAML::Key << "age" << YAML::Value << units::format_exact(x.age_y, "y");
    out_ << YAML::Key << "weight" << YAML::Value << units::format_exact(x.weight_kg, "kg");
    if (std::isfinite(x.height_cm))
      out_ << YAML::Key << "height" << YAML::Value << units::format_exact(x.height_cm, "cm");
    if (std::isfinite(x.egfr_ml_min_173))
      out_ << YAML::Key << "egfr" << YAML::Value
           << units::format_exact(x.egfr_ml_min_173, "mL/min/1.73m2");
    else
      out_ << YAML::Comment("egfr not given: the model's healthy-adult default (magsim params)");
    if (std::isfinite(x.albumin_g_per_L))
      out_ << YAML::Key << "albumin" << YAML::Value
           << units::format_exact(x.albumin_g_per_L, "g/L");
    out_ << YAML::Key << "conditions" << YAML::Value << YAML::Flow << x.conditions;
    out_ << YAML::EndMap;
  }

  void write_diet(const Diet& d) {
    out_ << YAML::Key << "diet" << YAML::Value << YAML::BeginMap;
    out_ << YAML::Key << "magnesium" << YAML::Value;
    if (d.schedule.size() == 1 && d.schedule[0].from_h == 0) {
      out_ << elemental_rate(d.schedule[0].rate_mmol_per_h);
    } else {
      out_ << YAML::BeginSeq;
      for (const auto& step : d.schedule) {
        out_ << YAML::Flow << YAML::BeginMap;
        out_ << YAML::Key << "from" << YAML::Value << span(step.from_h);
        out_ << YAML::Key << "rate" << YAML::Value << elemental_rate(step.rate_mmol_per_h);
        out_ << YAML::EndMap;
      }
      out_ << YAML::EndSeq;
    }
    out_ << YAML::Key << "meals" << YAML::Value;
    times_of_day(d.meals_h);
    if (d.meals_h.empty()) out_ << YAML::Comment("grazing: intake spread over the day");
    out_ << YAML::EndMap;
  }

  void write_timing(const DoseTiming& t) {
    if (!t.times_of_day_h.empty()) {
      out_ << YAML::Key << "times" << YAML::Value;
      times_of_day(t.times_of_day_h);
      out_ << YAML::Key << "start" << YAML::Value << span(t.start_h);
      if (std::isfinite(t.stop_h)) out_ << YAML::Key << "stop" << YAML::Value << span(t.stop_h);
    }
    if (!t.at_h.empty()) {
      out_ << YAML::Key << "at" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (double h : t.at_h) out_ << span(h);
      out_ << YAML::EndSeq;
    }
  }

  void write_supplement(const Supplement& x) {
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "form" << YAML::Value << x.form;
    if (x.salt_dose_mg > 0) {
      out_ << YAML::Key << "salt_dose" << YAML::Value
           << format_best(x.salt_dose_mg, "mg", {"mg", "g"})
           << YAML::Comment(elemental_note(x.dose_mmol));
    } else {
      out_ << YAML::Key << "dose" << YAML::Value << elemental_amount(x.dose_mmol)
           << YAML::Comment(elemental_note(x.dose_mmol));
    }
    write_timing(x.timing);
    out_ << YAML::Key << "with_meal" << YAML::Value << (x.with_meal ? "true" : "false");
    out_ << YAML::EndMap;
  }

  void write_infusion(const Infusion& x) {
    const SaltForm* salt = vocab_.find_salt(x.form);
    // Written as salt mass when that is exact and short (clinical orders are "4 g MgSO4").
    const auto salt_or_elemental = [&](const char* salt_key, const char* key, double mmol,
                                       bool per_hour) {
      const std::string s = salt ? salt_text(mmol, *salt, per_hour) : "";
      if (!s.empty())
        out_ << YAML::Key << salt_key << YAML::Value << s;
      else
        out_ << YAML::Key << key << YAML::Value
             << (per_hour ? elemental_rate(mmol) : elemental_amount(mmol));
    };
    const std::string formula = salt ? " (" + salt->formula + ")" : "";
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "form" << YAML::Value << x.form;
    const bool bolus_only = !(x.rate_mmol_per_h > 0 || x.duration_h > 0);
    if (bolus_only && x.loading_mmol > 0) {
      // A bolus item: an amount, given at once or over a short time.
      salt_or_elemental("salt_amount", "amount", x.loading_mmol, false);
      out_ << YAML::Comment(elemental_note(x.loading_mmol) + formula);
      if (x.loading_over_h > 0) out_ << YAML::Key << "over" << YAML::Value << span(x.loading_over_h);
    } else if (x.loading_mmol > 0 || x.loading_over_h > 0) {
      out_ << YAML::Key << "loading" << YAML::Value << YAML::Flow << YAML::BeginMap;
      salt_or_elemental("salt_amount", "amount", x.loading_mmol, false);
      out_ << YAML::Key << "over" << YAML::Value << span(x.loading_over_h);
      out_ << YAML::EndMap << YAML::Comment(elemental_note(x.loading_mmol) + formula);
    }
    if (x.rate_mmol_per_h > 0 || x.duration_h > 0) {
      salt_or_elemental("salt_rate", "rate", x.rate_mmol_per_h, true);
      out_ << YAML::Comment("= " + approx(x.rate_mmol_per_h) + " mmol/h " + element_.symbol +
                            formula);
    }
    out_ << YAML::Key << "start" << YAML::Value << span(x.start_h);
    if (std::isfinite(x.stop_h))
      out_ << YAML::Key << "stop" << YAML::Value << span(x.stop_h);
    else if (x.duration_h > 0)
      out_ << YAML::Key << "duration" << YAML::Value << span(x.duration_h);
    if (!x.pauses.empty()) {
      out_ << YAML::Key << "pauses" << YAML::Value << YAML::BeginSeq;
      for (const auto& p : x.pauses)
        out_ << YAML::Flow << YAML::BeginMap << YAML::Key << "from" << YAML::Value
             << span(p.from_h) << YAML::Key << "to" << YAML::Value << span(p.to_h)
             << YAML::EndMap;
      out_ << YAML::EndSeq;
    }
    out_ << YAML::EndMap;
  }

  void write_injection(const Injection& x) {
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "form" << YAML::Value << x.form;
    out_ << YAML::Key << "route" << YAML::Value << x.route;
    if (x.salt_dose_mg > 0)
      out_ << YAML::Key << "salt_amount" << YAML::Value
           << format_best(x.salt_dose_mg, "mg", {"mg", "g"});
    else
      out_ << YAML::Key << "amount" << YAML::Value << elemental_amount(x.dose_mmol);
    out_ << YAML::Comment(elemental_note(x.dose_mmol) + " per injection");
    if (x.every_h > 0) {
      out_ << YAML::Key << "every" << YAML::Value << span(x.every_h);
      out_ << YAML::Key << "start" << YAML::Value << span(x.start_h);
      if (std::isfinite(x.stop_h)) out_ << YAML::Key << "stop" << YAML::Value << span(x.stop_h);
    } else {
      out_ << YAML::Key << "at" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (double h : x.at_h) out_ << span(h);
      out_ << YAML::EndSeq;
    }
    out_ << YAML::EndMap;
  }

  void write_medication(const Medication& x) {
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "drug" << YAML::Value << x.drug;
    out_ << YAML::Key << "route" << YAML::Value << x.route;
    out_ << YAML::Key << "dose" << YAML::Value << format_best(x.dose_mg, "mg", {"mg", "g", "µg"});
    write_timing(x.timing);
    out_ << YAML::EndMap;
  }

  const Vocabulary& vocab_;
  units::Element element_;
  YAML::Emitter out_;
};

}  // namespace

std::string resolved_yaml(const Scenario& scenario, const Vocabulary& vocab) {
  return Writer(vocab).write(scenario);
}

}  // namespace magsim::engine
