// How each oral Mg salt dissolves: the share that goes into solution whatever the gastric pH,
// the rest needing gastric acid (2 H+ per Mg) or slow dissolution further down the gut.
// Salt form matters mostly through dissolution: well-dissolved salts absorb alike (rats: 50-67 %
// across ten salts, Coudray 2005), while oxide, hydroxide and carbonate depend on gastric acid
// (Lindberg 1990: MgO nearly insoluble in water, ~43 % at peak acid; citrate 55 % soluble even
// in water and fully in acid). The names must match the vocabulary's oral salts (a test checks).
#pragma once

#include <array>

namespace magsim::models::magnesium {

struct SaltDissolution {
  const char* name;
  double acid_independent_fraction;  // dissolves in the stomach at any pH
  const char* source;
};

inline constexpr std::array<SaltDissolution, 12> kSaltDissolution{{
    {"oxide", 0.0, "Lindberg 1990: nearly insoluble in water; needs gastric acid"},
    {"hydroxide", 0.0, "antacid: dissolves by neutralizing gastric acid (2 H+ per Mg)"},
    {"carbonate", 0.0, "antacid: dissolves by neutralizing gastric acid (2 H+ per Mg)"},
    {"citrate", 1.0,
     "Lindberg 1990: 55 % soluble in water, fully in acid; the rest dissolves on dilution in the "
     "small bowel, so treated as acid-independent"},
    {"chloride", 1.0, "freely water-soluble"},
    {"sulfate", 1.0, "freely water-soluble"},
    {"glycinate", 1.0, "water-soluble chelate"},
    {"l_threonate", 1.0,
     "no human comparative absorption data: treated as a soluble organic salt (assumed)"},
    {"lactate", 1.0, "water-soluble organic salt"},
    {"aspartate", 1.0, "water-soluble organic salt"},
    {"acetate", 1.0, "water-soluble (Fine 1991 used it as the soluble reference salt)"},
    {"gluconate", 1.0, "water-soluble organic salt"},
}};

}  // namespace magsim::models::magnesium
