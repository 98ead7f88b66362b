// Bone Mg: a surface pool in exchange with the ECF over days to weeks, and deep (mineral) Mg
// moved by remodeling over years. Bone holds 50-65 % of body Mg, about one third exchangeable
// (IOM 1997; Elin 1987); adult remodeling turns over ~10 %/y (Peterson & Riggs 2010). mmol/h.
#pragma once

#include "models/magnesium/tissue.hpp"

namespace magsim::models::magnesium {

// Mineral formation buries surface Mg in deep bone.
template <class T>
T bone_formation(const T& surface_content, double formation_rate) {
  return formation_rate * surface_content;
}

// Resorption of deep bone releases its Mg into the ECF.
template <class T>
T bone_resorption(const T& deep_content, double resorption_rate) {
  return resorption_rate * deep_content;
}

}  // namespace magsim::models::magnesium
