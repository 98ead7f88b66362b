// The magnesium model as an engine::Model: the declared table (states, parameters, outputs,
// routes, signals, conserved weights) and the right-hand side, Jacobian and outputs, all
// evaluated from the one templated flux code in whole_body.hpp.
#include <cmath>
#include <string>
#include <vector>

#include "engine/model/dual.hpp"
#include "models/magnesium/magnesium.hpp"
#include "models/magnesium/model_internals.hpp"
#include "models/magnesium/salts.hpp"
#include "models/magnesium/whole_body.hpp"

namespace magsim::models::magnesium {
namespace {

using engine::StateKind;

std::vector<engine::StateInfo> state_table(const std::vector<double>& initial) {
  std::vector<engine::StateInfo> s(kNumStates);
  auto def = [&](st::Index i, const char* name, const char* unit, const char* description, StateKind kind,
                 double scale) { s[i] = {name, unit, description, kind, scale, initial[i]}; };
  const auto D = StateKind::Dynamic;
  const auto A = StateKind::Accumulator;
  def(st::stomach_dissolved, "stomach_dissolved", "mmol", "dissolved Mg in the stomach", D, 1);
  def(st::stomach_undissolved, "stomach_undissolved", "mmol", "acid-requiring Mg salt not yet dissolved, stomach", D, 1);
  def(st::jejunum_dissolved, "jejunum_dissolved", "mmol", "dissolved Mg, duodenum and jejunum", D, 1);
  def(st::jejunum_undissolved, "jejunum_undissolved", "mmol", "undissolved salt, duodenum and jejunum", D, 1);
  def(st::proximal_ileum_dissolved, "proximal_ileum_dissolved", "mmol", "dissolved Mg, proximal ileum", D, 1);
  def(st::proximal_ileum_undissolved, "proximal_ileum_undissolved", "mmol", "undissolved salt, proximal ileum", D, 1);
  def(st::distal_ileum_dissolved, "distal_ileum_dissolved", "mmol", "dissolved Mg, distal ileum", D, 1);
  def(st::distal_ileum_undissolved, "distal_ileum_undissolved", "mmol", "undissolved salt, distal ileum", D, 1);
  def(st::colon_dissolved, "colon_dissolved", "mmol", "dissolved Mg, colon", D, 5);
  def(st::colon_undissolved, "colon_undissolved", "mmol", "undissolved salt, colon", D, 1);
  def(st::ecf, "ecf_mg", "mmol", "extracellular Mg (plasma and interstitial; ionized, complexed, albumin-bound)", D, 10);
  def(st::exchange_fast, "exchange_fast_mg", "mmol",
      "rapidly exchangeable Mg (interstitial matrix, cell surfaces, loosely bound cell Mg), following ionized Mg within hours", D, 10);
  def(st::red_cells, "red_cell_mg", "mmol", "Mg in red cells", D, 5);
  def(st::tissue_fast, "tissue_fast_mg", "mmol", "fast-exchanging soft-tissue Mg (t1/2 hours)", D, 20);
  def(st::tissue_medium, "tissue_medium_mg", "mmol", "soft-tissue Mg exchanging over a day or two", D, 100);
  def(st::tissue_slow, "tissue_slow_mg", "mmol", "slowly exchanging soft-tissue Mg, mostly muscle (t1/2 ~6 w)", D, 300);
  def(st::bone_exchangeable, "bone_surface_mg", "mmol", "exchangeable bone-surface Mg (days-weeks)", D, 200);
  def(st::bone_deep, "bone_deep_mg", "mmol", "deep bone Mg, moved by remodeling (years)", D, 400);
  def(st::csf, "csf_mg_amount", "mmol", "Mg in the cerebrospinal fluid (choroid-plexus secretion in, bulk outflow and brain uptake out)", D, 0.2);
  def(st::brain, "brain_mg_amount", "mmol", "brain tissue Mg, exchanging slowly with the CSF and brain interstitium", D, 10);
  def(st::im_depot, "im_depot_mg", "mmol", "Mg injected intramuscularly, not yet absorbed into the ECF", D, 10);
  def(st::cum_urine, "cum_urine", "mmol", "cumulative urinary Mg since t=0", A, 100);
  def(st::cum_fecal, "cum_fecal", "mmol", "cumulative fecal Mg since t=0", A, 100);
  def(st::cum_intake, "cum_intake", "mmol", "cumulative oral and IV Mg intake since t=0", A, 100);
  def(st::cum_absorbed, "cum_absorbed", "mmol", "cumulative true absorption since t=0", A, 100);
  def(st::cum_secreted, "cum_secreted", "mmol", "cumulative endogenous secretion since t=0", A, 100);
  def(st::ppi_gut, "ppi_gut", "mg", "PPI in the gut awaiting absorption, omeprazole-equivalent mg", D, 10);
  def(st::ppi_body, "ppi_body", "mg", "PPI in the body, omeprazole-equivalent mg", D, 10);
  def(st::ppi_pump_inhibition, "ppi_pump_inhibition", "1", "fraction of gastric proton pumps inactivated", D, 1);
  def(st::loop_gut, "loop_gut", "mg", "loop diuretic in the gut, furosemide-equivalent mg", D, 10);
  def(st::loop_body, "loop_body", "mg", "loop diuretic in the body, furosemide-equivalent mg", D, 10);
  def(st::thiazide_body, "thiazide_body", "mg", "thiazide taken and not yet eliminated, hydrochlorothiazide-equivalent mg (exposure = F x this)", D, 10);
  def(st::thiazide_dct_downregulation, "thiazide_dct_downregulation", "1", "fraction of DCT TRPM6 activity lost under thiazides", D, 1);
  def(st::nephrotoxin_body, "nephrotoxin_body", "mg", "tubular toxin in the body, cisplatin-equivalent mg", D, 10);
  def(st::tubular_damage, "tubular_damage", "1", "nephrotoxic tubular damage (0-1)", D, 1);
  def(st::loop_adaptation, "loop_adaptation", "1", "renal adaptation to loop diuretics: distal hypertrophy, braking, proximal (0-1)", D, 1);
  def(st::sglt2_body, "sglt2_body", "mg", "SGLT2 inhibitor taken and not yet eliminated, dapagliflozin-equivalent mg (exposure = F x this)", D, 10);
  def(st::cni_body, "cni_body", "mg", "calcineurin inhibitor taken and not yet eliminated, tacrolimus-equivalent mg (exposure = F x this)", D, 10);
  def(st::cni_dct_downregulation, "cni_dct_downregulation", "1", "fraction of DCT TRPM6 activity lost under a calcineurin inhibitor", D, 1);
  def(st::egfr_antibody_body, "egfr_antibody_body", "mg", "EGFR antibody in the body, cetuximab-equivalent mg", D, 100);
  def(st::egfr_trpm6_loss, "egfr_trpm6_loss", "1", "fraction of EGF-driven DCT TRPM6 activity lost under an EGFR antibody", D, 1);
  def(st::ethanol_gut, "ethanol_gut", "mg", "ethanol in the gut awaiting absorption", D, 10000);
  def(st::ethanol_body, "ethanol_body", "mg", "ethanol in body water", D, 10000);
  def(st::trpm6_expression, "trpm6_expression", "1", "TRPM6 expression in gut and DCT relative to a Mg-replete subject", D, 1);
  def(st::anion_small_bowel, "anion_small_bowel", "mmol", "unabsorbed salt anion (sulfate) in stomach and small bowel", D, 10);
  def(st::anion_colon, "anion_colon", "mmol", "unabsorbed salt anion (sulfate) in the colon, holding water", D, 10);
  return s;
}

std::vector<engine::OutputInfo> output_table() {
  return {
      {"serum_mg_total", "mmol/L", "total serum Mg"},
      {"serum_mg_ionized", "mmol/L", "ionized serum Mg"},
      {"serum_mg_ultrafilterable", "mmol/L", "ultrafilterable serum Mg (ionized + complexed)"},
      {"rbc_mg", "mmol/L", "red-cell Mg, per litre of cells"},
      {"tissue_mg", "mmol", "soft-tissue (intracellular) pool"},
      {"bone_mg", "mmol", "bone pools, surface and deep"},
      {"gut_lumen_mg", "mmol", "Mg in the gut lumen, dissolved and not"},
      {"absorption_rate", "mmol/d", "true absorption: uptake from the gut lumen into blood"},
      {"secretion_rate", "mmol/d", "endogenous Mg secreted into the gut lumen"},
      {"urine_mg_rate", "mmol/d", "urinary excretion"},
      {"fecal_mg_rate", "mmol/d", "fecal loss"},
      {"fe_mg", "%", "fractional excretion of Mg (urine / filtered load)"},
      {"gfr", "mL/min", "glomerular filtration rate"},
      {"cum_intake", "mmol", "cumulative oral and IV intake since t=0"},
      {"cum_absorbed", "mmol", "cumulative true absorption since t=0"},
      {"cum_secreted", "mmol", "cumulative endogenous secretion since t=0"},
      {"cum_urine", "mmol", "cumulative urinary Mg since t=0"},
      {"cum_fecal", "mmol", "cumulative fecal Mg since t=0"},
      // model-specific
      {"serum_mg_complexed", "mmol/L", "serum Mg complexed to small anions"},
      {"serum_mg_protein_bound", "mmol/L", "albumin-bound serum Mg"},
      {"ionized_fraction", "1", "ionized / total serum Mg"},
      {"ecf_mg", "mmol", "extracellular Mg"},
      {"total_body_mg", "mmol", "all Mg in the body, gut lumen included"},
      {"bone_surface_mg", "mmol", "exchangeable bone-surface Mg"},
      {"filtered_mg_rate", "mmol/d", "filtered load: GFR x ultrafilterable Mg"},
      {"tal_reabsorption", "%", "share of the Mg reaching the thick ascending limb reabsorbed there"},
      {"dct_reabsorption", "%", "share of the Mg reaching the distal convoluted tubule reabsorbed there"},
      {"fecal_soluble_mg_rate", "mmol/d", "dissolved Mg leaving in stool (osmotically active)"},
      {"diarrhea", "1", "share of people with loose stools at the present stool weight (0-1; log-normal thresholds across people, fitted to Bashir 1993)"},
      {"gastric_ph", "1", "gastric pH (from proton-pump inhibition)"},
      {"gastric_acid_output", "mmol/h", "gastric H+ secretion"},
      {"ppi_exposure", "mg", "PPI in the body, omeprazole-equivalent"},
      {"ppi_pump_inhibition", "%", "gastric proton pumps inactivated"},
      {"gut_trpm6_activity", "%", "intestinal TRPM6/7 activity relative to a Mg-replete subject off PPIs"},
      {"loop_exposure", "mg", "loop diuretic in the body, furosemide-equivalent"},
      {"loop_tal_inhibition", "%", "TAL Mg reabsorption blocked by a loop diuretic"},
      {"thiazide_exposure", "mg", "thiazide in the body, hydrochlorothiazide-equivalent"},
      {"thiazide_dct_downregulation", "%", "DCT TRPM6 activity lost under thiazides"},
      {"nephrotoxin_exposure", "mg", "tubular toxin in the body, cisplatin-equivalent"},
      {"renal_tubular_damage", "%", "nephrotoxic tubular damage"},
      {"trpm6_expression", "%", "TRPM6 expression in gut and DCT, relative to a Mg-replete subject (deficiency up-regulates)"},
      {"exchange_fast_mg", "mmol", "rapidly exchangeable Mg outside the ECF (interstitial matrix, cell surfaces), the peripheral space of IV kinetics"},
      {"body_mg_deficit", "mmol", "Mg missing from the cell, red-cell and bone-surface pools against their set points (negative: excess)"},
      {"loop_adaptation", "%", "renal adaptation to loop diuretics (distal hypertrophy, braking, proximal), of its maximum"},
      {"sglt2_exposure", "mg", "SGLT2 inhibitor in the body, dapagliflozin-equivalent"},
      {"sglt2_tm_rise", "%", "rise of the loop's Mg transport maximum under an SGLT2 inhibitor"},
      {"cni_exposure", "mg", "calcineurin inhibitor in the body, tacrolimus-equivalent"},
      {"cni_dct_downregulation", "%", "DCT TRPM6 activity lost under a calcineurin inhibitor"},
      {"egfr_antibody_exposure", "mg", "EGFR antibody in the body, cetuximab-equivalent"},
      {"egfr_trpm6_loss", "%", "DCT TRPM6 activity lost under an EGFR antibody"},
      {"blood_ethanol", "g/L", "blood (body water) ethanol concentration"},
      {"ethanol_tm_inhibition", "%", "loop Mg transport maximum lost to ethanol"},
      {"stool_weight", "g/d", "stool weight at the present rate: 44.3 g/d plus 7.3 g per mmol/d of soluble Mg and unabsorbed anion leaving in stool (Fine, NEJM 1991)"},
      {"fecal_osmotic_rate", "mmol/d", "osmotically active solute leaving in stool: soluble Mg plus unabsorbed salt anion"},
      {"csf_mg", "mmol/L", "cerebrospinal fluid Mg concentration (choroid-plexus secretion, saturable in serum ionized Mg)"},
      {"brain_mg", "mmol/kg", "brain tissue Mg per kg wet weight (slow exchange with the CSF)"},
      {"im_depot_mg", "mmol", "Mg injected intramuscularly, not yet absorbed"},
  };
}

std::vector<engine::RouteInfo> route_table() {
  std::vector<engine::RouteInfo> r;
  const engine::RouteTarget intake{st::cum_intake, 1.0};
  r.push_back({"oral.food", "mmol", "dietary Mg, dissolved in the stomach with the meal",
               {{st::stomach_dissolved, 1.0}, intake}});
  // Each salt splits by its soluble fraction and brings its unabsorbed anion, both parameters
  // (salt.<form>.soluble_fraction, salt.<form>.poorly_absorbed_anion), so a scenario can change them.
  for (int k = 0; k < kNumSalts; ++k) {
    const SaltRecord& salt = kSalts[k];
    const int soluble = salt_parameter(k, SaltProperty::soluble_fraction);
    std::vector<engine::RouteTarget> t{{st::stomach_dissolved, 1.0, soluble, false},
                                       {st::stomach_undissolved, 1.0, soluble, true},
                                       {st::anion_small_bowel, 1.0, salt_parameter(k, SaltProperty::poorly_absorbed_anion), false},
                                       intake};
    r.push_back({std::string("oral.") + salt.name, "mmol",
                 std::string("elemental Mg taken as ") + salt.name + " (" + salt.formula +
                     "; splits by salt." + salt.name + ".soluble_fraction)",
                 t});
  }
  r.push_back({"iv", "mmol", "elemental Mg infused into the extracellular fluid", {{st::ecf, 1.0}, intake}});
  r.push_back({"im", "mmol", "elemental Mg injected intramuscularly, absorbed from the depot into the ECF",
               {{st::im_depot, 1.0}, intake}});
  for (const auto& d : kDrugs) {
    const auto& cls = drug_class_record(d.cls);
    const std::string ref = cls.reference_drug;
    if (d.oral && cls.gut_state >= 0)
      r.push_back({std::string("drug.") + d.name + ".oral", "mg",
                   std::string(d.name) + " by mouth, as " + ref + "-equivalent mg (" + d.source + ")",
                   {{cls.gut_state, oral_route_coefficient(d)}}});
    if (d.iv)
      r.push_back({std::string("drug.") + d.name + ".iv", "mg",
                   std::string(d.name) + " intravenously, as " + ref + "-equivalent mg (" + d.source + ")",
                   {{cls.body_state, iv_route_coefficient(d)}}});
  }
  return r;
}

engine::ModelInfo build_info() {
  engine::ModelInfo info;
  info.name = "magnesium";
  info.version = "1.1.0";  // model v1.1 (issue 10): salts as data, laxation, IM route, brain and CSF
  info.parameters = parameter_table();
  info.states = state_table(reference_state(info.default_parameters()));
  info.outputs = output_table();
  info.routes = route_table();
  info.signals = {{"meal", "1", "number of meals being digested (slows gastric emptying, stimulates acid)", 0.0}};
  // body Mg (gut lumen included) + urine + feces - intake is invariant
  info.conserved_weights.assign(kNumStates, 0.0);
  for (int i = 0; i < kNumStates; ++i)
    if (is_body_state(i)) info.conserved_weights[i] = 1.0;
  info.conserved_weights[st::cum_urine] = 1.0;
  info.conserved_weights[st::cum_fecal] = 1.0;
  info.conserved_weights[st::cum_intake] = -1.0;
  info.intake_state = st::cum_intake;
  return info;
}

}  // namespace

double loose_stool_probability(double stool_weight_g_per_day, const double* p) {
  if (!(stool_weight_g_per_day > 0)) return 0.0;
  const double z = std::log(stool_weight_g_per_day / p[par::gut_loose_stool_weight]) / p[par::gut_loose_stool_spread];
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

namespace {

// Mg missing from the defended pools (soft tissue, red cells, bone surface) against their
// reference contents: the body's Mg history, which serum shows poorly.
double pool_deficit(const double* x, const double* p) {
  const double w = p[par::body_weight];
  const SubjectConstants c = subject_constants(p);
  const double reference = (p[par::tissue_fast_content] + p[par::tissue_medium_content] + p[par::tissue_slow_content] +
                            p[par::bone_exchangeable_content]) * w +
                           p[par::rbc_reference_concentration] * c.red_cell_L;
  return reference - (x[st::tissue_fast] + x[st::tissue_medium] + x[st::tissue_slow] + x[st::bone_exchangeable] +
                      x[st::red_cells]);
}

class MagnesiumModel final : public engine::Model {
 public:
  MagnesiumModel() : info_(build_info()) {}
  const engine::ModelInfo& info() const override { return info_; }

  void rhs(double, const double* x, const double* p, const double* s, double* dxdt) const override {
    whole_body_rhs(x, p, s, dxdt);
  }

  void jacobian(double, const double* x, const double* p, const double* s, double* jac) const override {
    using D = engine::Dual<kNumStates>;
    D xd[kNumStates];
    D fd[kNumStates];
    for (int i = 0; i < kNumStates; ++i) xd[i] = D::variable(x[i], i);
    whole_body_rhs(xd, p, s, fd);
    for (int i = 0; i < kNumStates; ++i)
      for (int j = 0; j < kNumStates; ++j) jac[i * kNumStates + j] = fd[i].d[j];
  }

  void outputs(double, const double* x, const double* p, const double* s, double* y) const override {
    const Fluxes<double> f = compute_fluxes(x, p, s);
    const SubjectConstants c = subject_constants(p);
    const double per_day = 24.0;
    double gut = 0, body = 0;
    for (int i = 0; i < kNumStates; ++i) {
      if (is_gut_state(i)) gut += x[i];
      if (is_body_state(i)) body += x[i];
    }
    const double fecal_soluble = f.fecal_soluble * per_day;
    const double fecal_osmotic = fecal_soluble + f.fecal_anion * per_day;
    const double stool = stool_weight(fecal_osmotic, p);
    const double values[] = {
        f.serum.total,
        f.serum.ionized,
        f.serum.ultrafilterable,
        x[st::red_cells] / c.red_cell_L,
        x[st::tissue_fast] + x[st::tissue_medium] + x[st::tissue_slow],
        x[st::bone_exchangeable] + x[st::bone_deep],
        gut,
        f.absorption * per_day,
        f.secretion * per_day,
        f.renal.urine * per_day,
        f.fecal * per_day,
        f.renal.filtered > 0 ? 100.0 * f.renal.urine / f.renal.filtered : 0.0,
        c.gfr_ml_min,
        x[st::cum_intake],
        x[st::cum_absorbed],
        x[st::cum_secreted],
        x[st::cum_urine],
        x[st::cum_fecal],
        f.serum.complexed,
        f.serum.protein_bound,
        f.serum.total > 0 ? f.serum.ionized / f.serum.total : 0.0,
        x[st::ecf],
        body,
        x[st::bone_exchangeable],
        f.renal.filtered * per_day,
        100.0 * f.renal.tal_fraction,
        100.0 * f.renal.dct_fraction,
        fecal_soluble,
        loose_stool_probability(stool, p),
        gastric_ph(x[st::ppi_pump_inhibition], p),
        f.acid_output,
        x[st::ppi_body],
        100.0 * x[st::ppi_pump_inhibition],
        100.0 * f.trpm6_activity,
        x[st::loop_body],
        100.0 * f.loop_inhibition,
        p[par::thiazide_bioavailability] * x[st::thiazide_body],
        100.0 * x[st::thiazide_dct_downregulation],
        x[st::nephrotoxin_body],
        100.0 * x[st::tubular_damage],
        100.0 * x[st::trpm6_expression],
        x[st::exchange_fast],
        pool_deficit(x, p),
        100.0 * x[st::loop_adaptation],
        p[par::sglt2_bioavailability] * x[st::sglt2_body],
        100.0 * f.sglt2_tm_rise,
        p[par::cni_bioavailability] * x[st::cni_body],
        100.0 * x[st::cni_dct_downregulation],
        x[st::egfr_antibody_body],
        100.0 * x[st::egfr_trpm6_loss],
        f.ethanol_concentration,
        100.0 * f.ethanol_inhibition,
        stool,
        fecal_osmotic,
        f.csf_concentration,
        x[st::brain] / p[par::brain_mass],
        x[st::im_depot],
    };
    const size_t n = sizeof(values) / sizeof(values[0]);
    for (size_t i = 0; i < n && i < info_.outputs.size(); ++i) y[i] = values[i];
  }

 private:
  engine::ModelInfo info_;
};

}  // namespace

std::vector<double> reference_state(const std::vector<double>& parameters) {
  const double* p = parameters.data();
  const SubjectConstants c = subject_constants(p);
  const double w = p[par::body_weight];
  const double m = p[par::serum_reference_ionized];
  std::vector<double> x(kNumStates, 0.0);
  const double bmax = p[par::serum_albumin_binding_capacity] * p[par::serum_albumin];
  x[st::ecf] = c.ecf_L * (1.0 + p[par::serum_complexed_per_ionized]) * m +
               c.plasma_L * bmax * m / (p[par::serum_albumin_binding_kd] + m);
  x[st::exchange_fast] = p[par::exchange_fast_content] * w;
  x[st::red_cells] = p[par::rbc_reference_concentration] * c.red_cell_L;
  x[st::tissue_fast] = p[par::tissue_fast_content] * w;
  x[st::tissue_medium] = p[par::tissue_medium_content] * w;
  x[st::tissue_slow] = p[par::tissue_slow_content] * w;
  x[st::bone_exchangeable] = p[par::bone_exchangeable_content] * w;
  x[st::bone_deep] = p[par::bone_deep_content] * w;
  x[st::csf] = p[par::brain_csf_reference_concentration] * p[par::brain_csf_volume];
  x[st::brain] = p[par::brain_tissue_content] * p[par::brain_mass];
  x[st::trpm6_expression] = 1.0;
  return x;
}

std::vector<double> steady_state_guess(const std::vector<double>& parameters,
                                       const std::vector<double>& route_rates) {
  std::vector<double> x = reference_state(parameters);
  const double* p = parameters.data();
  const SubjectConstants c = subject_constants(p);
  const double w = p[par::body_weight];
  const auto& routes = model().info().routes;
  std::vector<double> input(kNumStates, 0.0);  // per h
  for (size_t r = 0; r < routes.size() && r < route_rates.size(); ++r)
    for (const auto& t : routes[r].targets) input[t.state] += t.share(p) * route_rates[r];
  // One-compartment PK at constant input: gut = in/ka, body = (F in_gut + in_iv) / ke.
  auto pk = [&](int gut, int body, double ka, double f, double half_life) {
    double to_body = input[body];
    if (gut >= 0) {
      x[gut] = input[gut] / ka;
      to_body += f * input[gut];
    }
    x[body] = to_body / rate_from_half_time(half_life);
  };
  pk(st::ppi_gut, st::ppi_body, p[par::ppi_absorption_rate], p[par::ppi_bioavailability], p[par::ppi_half_life]);
  pk(st::loop_gut, st::loop_body, p[par::loop_absorption_rate], p[par::loop_bioavailability], p[par::loop_half_life]);
  x[st::thiazide_body] = input[st::thiazide_body] / rate_from_half_time(p[par::thiazide_half_life]);
  pk(-1, st::nephrotoxin_body, 1.0, 1.0, p[par::nephrotoxin_half_life]);
  const double on_ppi = p[par::ppi_inactivation_rate] * saturation(x[st::ppi_body], p[par::ppi_half_effect_amount]);
  x[st::ppi_pump_inhibition] = on_ppi / (on_ppi + rate_from_half_time(p[par::ppi_pump_recovery_half_time]));
  x[st::thiazide_dct_downregulation] =
      p[par::thiazide_max_dct_downregulation] *
      saturation(p[par::thiazide_bioavailability] * x[st::thiazide_body], p[par::thiazide_half_effect_amount]);
  // Tubular damage at a constant cisplatin-equivalent exposure per m2 (linear injury, slow repair).
  const double injury = p[par::nephrotoxin_injury_rate] * x[st::nephrotoxin_body] / c.bsa_m2;
  x[st::tubular_damage] = injury / (injury + rate_from_half_time(p[par::nephrotoxin_repair_half_time]));
  // Loop adaptation settles at the (steady) inhibition as a fraction of the maximum.
  x[st::loop_adaptation] = saturation(x[st::loop_body], p[par::loop_half_effect_amount]);
  x[st::sglt2_body] = input[st::sglt2_body] / rate_from_half_time(p[par::sglt2_half_life]);
  x[st::cni_body] = input[st::cni_body] / rate_from_half_time(p[par::cni_half_life]);
  x[st::cni_dct_downregulation] =
      p[par::cni_max_dct_downregulation] *
      saturation(p[par::cni_bioavailability] * x[st::cni_body], p[par::cni_half_effect_amount]);
  pk(-1, st::egfr_antibody_body, 1.0, 1.0, p[par::egfr_antibody_half_life]);
  x[st::egfr_trpm6_loss] =
      p[par::egfr_antibody_max_trpm6_loss] * saturation(x[st::egfr_antibody_body], p[par::egfr_antibody_half_effect_amount]);
  // Ethanol at a constant intake below the maximal elimination rate: body = Km x in / (Vmax - in).
  // At or above Vmax there is no steady state; the guess caps it at 10 Km (the solver decides).
  const double ethanol_in = input[st::ethanol_gut];
  if (ethanol_in > 0) {
    x[st::ethanol_gut] = ethanol_in / p[par::ethanol_absorption_rate];
    const double vmax = p[par::ethanol_max_elimination_rate] * w;
    const double km_mg = p[par::ethanol_elimination_km] * 1000.0 * p[par::ethanol_distribution_volume] * w;
    x[st::ethanol_body] = ethanol_in < 0.9 * vmax ? km_mg * ethanol_in / (vmax - ethanol_in) : 10.0 * km_mg;
  }
  return x;
}

const engine::Model& model() {
  static const MagnesiumModel instance;  // immutable after construction
  return instance;
}

}  // namespace magsim::models::magnesium
