// The reference virtual population of adults that `population:` in a sweep file starts from:
// covariates with their distributions and sources, and between-subject variability of the
// parameters that set absorption and the renal threshold. Every figure below is a population
// summary from the source named beside it; where a distribution's shape is not published, the
// shape is an assumption and says so.
#include <limits>

#include "models/magnesium/magnesium.hpp"

namespace magsim::models::magnesium {

namespace {

engine::PopulationSpec make_reference_population() {
  using K = engine::CovariateSpec::Kind;
  engine::PopulationSpec p;
  p.description =
      "adults 18-90 y of a US-like population (NHANES-based), with PPI and diuretic use at "
      "their prevalence among US adults";

  engine::CovariateSpec sex;
  sex.name = "sex";
  sex.kind = K::Categorical;
  sex.path = "subject.sex";
  sex.levels = {"female", "male"};
  sex.weights = {0.51, 0.49};
  sex.description = "sex";
  sex.source = "US Census Bureau 2020: 51 % of adults are women";
  p.covariates.push_back(sex);

  engine::CovariateSpec age;
  age.name = "age";
  age.kind = K::Normal;
  age.path = "subject.age";
  age.unit = "y";
  age.a = 48;
  age.b = 18;
  age.lower = 18;
  age.upper = 90;
  age.description = "age";
  age.source =
      "NHANES 2017-2018 adults: mean age ~48 y; normal shape with SD 18 y truncated to 18-90 y "
      "is assumed";
  p.covariates.push_back(age);

  engine::CovariateSpec weight;
  weight.name = "weight";
  weight.kind = K::LogNormal;
  weight.path = "subject.weight";
  weight.unit = "kg";
  weight.a = 80;
  weight.b = 0.23;
  weight.lower = 40;
  weight.upper = 200;
  weight.description = "body weight";
  weight.source = "NHANES 2015-2018 adults: mean 83 kg (men 90, women 77), CV ~0.23 (Fryar 2021, "
                  "NHSR 160); log-normal shape assumed";
  p.covariates.push_back(weight);

  engine::CovariateSpec height;
  height.name = "height";
  height.kind = K::Normal;
  height.path = "subject.height";
  height.unit = "cm";
  height.a = 169;
  height.b = 10;
  height.lower = 140;
  height.upper = 205;
  height.description = "height";
  height.source = "NHANES 2015-2018 adults: men 175 cm, women 161 cm (Fryar 2021, NHSR 160); "
                  "pooled mean 169 cm, SD 10 cm";
  p.covariates.push_back(height);

  engine::CovariateSpec egfr;
  egfr.name = "egfr";
  egfr.kind = K::LogNormal;
  egfr.path = "subject.egfr";
  egfr.unit = "mL/min/1.73m2";
  egfr.a = 100;
  egfr.b = 0.18;
  egfr.lower = 8;
  egfr.upper = 150;
  egfr.depends_on = "age";
  egfr.slope = -0.9;
  egfr.reference = 40;
  egfr.description = "estimated GFR";
  egfr.source =
      "median ~100 mL/min/1.73m2 at 40 y falling ~0.9 per year of age (Glassock & Winearls 2009; "
      "Levey 2009 CKD-EPI population); CV 0.18 assumed from NHANES eGFR spread; truncated 8-150";
  p.covariates.push_back(egfr);

  engine::CovariateSpec diet;
  diet.name = "diet";
  diet.kind = K::LogNormal;
  diet.path = "diet.magnesium";
  diet.unit = "mg/d";
  diet.a = 300;
  diet.b = 0.35;
  diet.lower = 80;
  diet.upper = 900;
  diet.description = "dietary Mg intake";
  diet.source = "NHANES 2013-2016 adults: mean ~300-320 mg/d, about half below the EAR (Rosanoff "
                "2012; USDA What We Eat in America); CV 0.35 and log-normal shape assumed";
  p.covariates.push_back(diet);

  engine::CovariateSpec ppi;
  ppi.name = "ppi";
  ppi.kind = K::Flag;
  ppi.path = "medications";
  ppi.prevalence = 0.08;
  ppi.item = "{drug: omeprazole, dose: 20 mg, times: [\"07:00\"], start: -1 y}";
  ppi.description = "takes a PPI (omeprazole 20 mg every morning, for a year before t = 0)";
  ppi.source = "Kantor 2015 (JAMA 314:1818): 7.8 % of US adults used a PPI in 2011-2012";
  p.covariates.push_back(ppi);

  engine::CovariateSpec thiazide;
  thiazide.name = "thiazide";
  thiazide.kind = K::Flag;
  thiazide.path = "medications";
  thiazide.prevalence = 0.10;
  thiazide.item = "{drug: hydrochlorothiazide, dose: 25 mg, times: [\"08:00\"], start: -1 y}";
  thiazide.description = "takes a thiazide (hydrochlorothiazide 25 mg every morning)";
  thiazide.source = "Gu 2012 (Circulation 126:2105): thiazides ~10 % of US adults (NHANES "
                    "2007-2008, among ~30 % treated for hypertension)";
  p.covariates.push_back(thiazide);

  engine::CovariateSpec loop;
  loop.name = "loop_diuretic";
  loop.kind = K::Flag;
  loop.path = "medications";
  loop.prevalence = 0.03;
  loop.item = "{drug: furosemide, dose: 40 mg, times: [\"08:00\"], start: -1 y}";
  loop.description = "takes a loop diuretic (furosemide 40 mg every morning)";
  loop.source = "Kantor 2015 (JAMA 314:1818) prescription drug use in NHANES: furosemide ~3 % of "
                "US adults";
  p.covariates.push_back(loop);

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

const engine::PopulationSpec& reference_population() {
  static const engine::PopulationSpec p = make_reference_population();
  return p;
}

}  // namespace magsim::models::magnesium
