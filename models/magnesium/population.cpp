// The reference virtual population of adults that `population:` in a sweep file starts from:
// covariates with their distributions and sources, and between-subject variability of the
// parameters that set absorption and the renal threshold. Every figure below is a population
// summary from the source named beside it; where a distribution's shape is not published, the
// shape is an assumption and says so.
#include <limits>

#include "models/magnesium/magnesium.hpp"

namespace magsim::models::magnesium {

namespace {

using Kind = engine::sweep::CovariateSpec::Kind;

// A numeric covariate: a and b are low/high (uniform), mean/SD (normal) or median/CV (log-normal),
// all in `unit`, truncated to [lower, upper].
engine::sweep::CovariateSpec numeric(const char* name, Kind kind, const char* path, const char* unit,
                              double a, double b, double lower, double upper,
                              const char* description, const char* source) {
  engine::sweep::CovariateSpec c;
  c.name = name;
  c.kind = kind;
  c.path = path;
  c.unit = unit;
  c.a = a;
  c.b = b;
  c.lower = lower;
  c.upper = upper;
  c.description = description;
  c.source = source;
  return c;
}

// A medication taken with probability `prevalence`: `item` is appended to the scenario's list.
engine::sweep::CovariateSpec medication(const char* name, double prevalence, const char* item,
                                 const char* description, const char* source) {
  engine::sweep::CovariateSpec c;
  c.name = name;
  c.kind = Kind::Flag;
  c.path = "medications";
  c.prevalence = prevalence;
  c.item = item;
  c.description = description;
  c.source = source;
  return c;
}

engine::sweep::PopulationSpec make_reference_population() {
  engine::sweep::PopulationSpec p;
  p.description =
      "adults 18-90 y of a US-like population (NHANES-based), with PPI and diuretic use at "
      "their prevalence among US adults";

  engine::sweep::CovariateSpec sex;
  sex.name = "sex";
  sex.kind = Kind::Categorical;
  sex.path = "subject.sex";
  sex.levels = {"female", "male"};
  sex.weights = {0.51, 0.49};
  sex.description = "sex";
  sex.source = "US Census Bureau 2020: 51 % of adults are women";
  p.covariates.push_back(sex);

  p.covariates.push_back(numeric(
      "age", Kind::Normal, "subject.age", "y", 48, 18, 18, 90, "age",
      "NHANES 2017-2018 adults: mean age ~48 y; normal shape with SD 18 y truncated to 18-90 y "
      "is assumed"));
  p.covariates.push_back(numeric(
      "weight", Kind::LogNormal, "subject.weight", "kg", 80, 0.23, 40, 200, "body weight",
      "NHANES 2015-2018 adults: mean 83 kg (men 90, women 77), CV ~0.23 (Fryar 2021, NHSR 160); "
      "log-normal shape assumed"));
  p.covariates.push_back(numeric(
      "height", Kind::Normal, "subject.height", "cm", 169, 10, 140, 205, "height",
      "NHANES 2015-2018 adults: men 175 cm, women 161 cm (Fryar 2021, NHSR 160); pooled mean "
      "169 cm, SD 10 cm"));
  engine::sweep::CovariateSpec egfr = numeric(
      "egfr", Kind::LogNormal, "subject.egfr", "mL/min/1.73m2", 100, 0.18, 8, 150,
      "estimated GFR",
      "median ~100 mL/min/1.73m2 at 40 y falling ~0.9 per year of age (Glassock & Winearls 2009; "
      "Levey 2009 CKD-EPI population); CV 0.18 assumed from NHANES eGFR spread; truncated 8-150");
  egfr.depends_on = "age";
  egfr.slope = -0.9;  // mL/min/1.73m2 per year
  egfr.reference = 40;  // y
  p.covariates.push_back(egfr);
  p.covariates.push_back(numeric(
      "diet", Kind::LogNormal, "diet.magnesium", "mg/d", 300, 0.35, 80, 900, "dietary Mg intake",
      "NHANES 2013-2016 adults: mean ~300-320 mg/d, about half below the EAR (Rosanoff 2012; USDA "
      "What We Eat in America); CV 0.35 and log-normal shape assumed"));

  p.covariates.push_back(medication(
      "ppi", 0.08, "{drug: omeprazole, dose: 20 mg, times: [\"07:00\"], start: -1 y}",
      "takes a PPI (omeprazole 20 mg every morning, for a year before t = 0)",
      "Kantor 2015 (JAMA 314:1818): 7.8 % of US adults used a PPI in 2011-2012"));
  p.covariates.push_back(medication(
      "thiazide", 0.10,
      "{drug: hydrochlorothiazide, dose: 25 mg, times: [\"08:00\"], start: -1 y}",
      "takes a thiazide (hydrochlorothiazide 25 mg every morning)",
      "Gu 2012 (Circulation 126:2105): thiazides ~10 % of US adults (NHANES 2007-2008, among "
      "~30 % treated for hypertension)"));
  p.covariates.push_back(medication(
      "loop_diuretic", 0.03, "{drug: furosemide, dose: 40 mg, times: [\"08:00\"], start: -1 y}",
      "takes a loop diuretic (furosemide 40 mg every morning)",
      "Kantor 2015 (JAMA 314:1818) prescription drug use in NHANES: furosemide ~3 % of US "
      "adults"));

  // Between-subject variability: fractional absorption differs about twofold between healthy
  // people on the same diet (stable-isotope studies: Sabatier 2003, 25-75 % absorbed; Schwartz
  // 1984), and serum Mg in healthy adults has a CV of ~8 %, set mostly by the renal threshold
  // (Rude 1980; NHANES serum Mg SD ~0.07 mmol/L at ~0.85).
  p.variability.parameters = {"gut.absorption_scale", "renal.tal_tm_per_gfr"};
  p.variability.cv = {0.25, 0.08};
  p.variability.source =
      "absorption: stable-isotope fractional absorption 25-75 % (Sabatier 2003); renal threshold: "
      "serum Mg CV ~8 % in healthy adults (Rude 1980; Costello 2016 reference range)";
  return p;
}

}  // namespace

const engine::sweep::PopulationSpec& reference_population() {
  static const engine::sweep::PopulationSpec p = make_reference_population();
  return p;
}

}  // namespace magsim::models::magnesium
