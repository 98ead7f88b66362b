// Cerebrospinal fluid (CSF) and brain tissue Mg, mmol/h. The choroid plexus secretes CSF (~500
// mL/d) with Mg actively transported into it, so CSF Mg (~1.1-1.25 mmol/L) sits above serum
// ionized Mg (~0.55); CSF leaves by bulk flow into venous blood. The secretion saturates in
// serum ionized Mg: an IV load that doubles serum raises CSF Mg only by 10-20 % (Wong 2009;
// McKee 2005). CSF is continuous with the brain interstitium, which exchanges with brain cell
// Mg, a pool ~50 times the CSF's; so part of any extra Mg secreted goes into brain tissue and the
// CSF rise is damped and slower than the CSF's own ~7-h turnover (Brewer 2001: no change within
// 4 h of a 20 mmol bolus).
#pragma once

#include "models/magnesium/rate_laws.hpp"

namespace magsim::models::magnesium {

// Choroid-plexus secretion of Mg into the CSF: saturable in serum ionized Mg and scaled so that
// at `reference_ionized` it carries `reference_concentration` in every litre of CSF formed.
// `uptake_factor` multiplies it (1 = none; the L-threonate parameter, animal data).
template <class T>
T choroid_plexus_secretion(const T& ionized, double formation_L_h, double reference_concentration,
                           double reference_ionized, double half_saturation, double uptake_factor) {
  return saturable_at_reference(ionized, uptake_factor * formation_L_h * reference_concentration,
                                reference_ionized, half_saturation);
}

// Bulk outflow of CSF (arachnoid granulations, perineural lymphatic routes) into venous blood,
// carrying its Mg: formation rate x CSF concentration.
template <class T>
T csf_bulk_outflow(const T& csf_concentration, double formation_L_h) {
  return formation_L_h * csf_concentration;
}

// Net exchange CSF/interstitium -> brain tissue: the tissue's equilibrium content is in
// proportion to the CSF concentration (reference content at the reference CSF concentration),
// approached at `rate` (1/h).
template <class T>
T brain_tissue_exchange(const T& csf_concentration, const T& brain_content, double reference_content,
                        double reference_csf_concentration, double rate) {
  return rate * (reference_content * csf_concentration / reference_csf_concentration - brain_content);
}

}  // namespace magsim::models::magnesium
