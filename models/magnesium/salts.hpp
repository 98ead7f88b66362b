// The oral and IV Mg salt forms as data. Each form's properties are parameters of the model
// (`salt.<form>.<property>` in `magsim params`), declared from this table with their sources, so a
// scenario can change them and a reader can see them:
//   mg_fraction       g Mg per g of the salt as sold (chemistry: formula and hydrate below)
//   soluble_fraction  share of the Mg that dissolves in the stomach whatever its pH; the rest is
//                     undissolved salt that needs acid: gastric acid (2 H+ per Mg), or the colon's
//                     fermentation acids, with a slow dissolution in the small bowel between
//   poorly_absorbed_anion  mmol of anion per mmol Mg whose small-bowel absorption is saturable
//                     (gut.anion_absorption_*): what escapes holds water in the colon (sulfate;
//                     citrate and the organic anions are absorbed)
// What the human evidence supports, and what the table therefore holds: salts that dissolve absorb
// alike at equal elemental dose (no human study separates chloride, lactate, aspartate, citrate,
// glycinate, pidolate ...; Firoz & Graber 2001; Coudray 2005 in rats across ten salts), while oxide,
// hydroxide and carbonate need acid (Lindberg 1990: MgO nearly insoluble in water) and absorb less,
// the more so under a PPI. Undissolved salt of the three acid-requiring forms is one pool with one
// set of dissolution kinetics (gut.* parameters): no human study separates them beyond their Mg
// content.
#pragma once

#include <array>

namespace magsim::models::magnesium {

constexpr double kMgMolarMass = 24.305;  // g/mol, IUPAC standard atomic weight

enum class SaltProperty : int { mg_fraction, soluble_fraction, poorly_absorbed_anion, count };
constexpr int kSaltProperties = static_cast<int>(SaltProperty::count);

struct SaltRecord {
  const char* name;
  const char* formula;       // as sold
  double molar_mass;         // g/mol of the formula as sold
  int mg_per_formula;        // Mg atoms per formula unit
  bool iv;                   // given intravenously too
  double soluble_fraction;
  const char* soluble_source;
  const char* soluble_note;  // measured / derived / assumed, and why
  double poorly_absorbed_anion;
  const char* anion_source;
  const char* anion_note;
};

// Soluble organic salts and chelates: one sentence of evidence shared by all of them.
#define MAGSIM_SOLUBLE_ORGANIC_SOURCE                                                                \
  "water-soluble; at equal elemental dose soluble organic and inorganic salts absorb alike in "     \
  "humans (Firoz & Graber 2001: chloride, lactate and aspartate equivalent, oxide lowest at 4 % "     \
  "fractional absorption); no human study shows a difference among soluble salts"
#define MAGSIM_ABSORBED_ANION_SOURCE \
  "organic anion or amino acid absorbed in the small bowel (assumed: no human data that it reaches the colon)"

inline constexpr std::array<SaltRecord, 16> kSalts{{
    {"oxide", "MgO", 40.304, 1, false, 0.0,
     "Lindberg 1990: MgO nearly insoluble in water, ~43 % soluble at peak gastric acid in vitro",
     "measured (in vitro): needs gastric acid (2 H+ per Mg)", 0.0, "oxide takes up acid as water",
     "derived: no anion"},
    {"hydroxide", "Mg(OH)2", 58.320, 1, false, 0.0,
     "antacid (milk of magnesia): dissolves by neutralizing acid, 2 H+ per Mg; Ksp ~5.6e-12",
     "derived: needs acid; no human study separates it from oxide beyond Mg content", 0.0,
     "hydroxide takes up acid as water", "derived: no anion"},
    {"carbonate", "MgCO3", 84.313, 1, false, 0.0,
     "antacid: dissolves by neutralizing acid (2 H+ per Mg, releasing CO2)",
     "derived: needs acid; no human study separates it from oxide beyond Mg content", 0.0,
     "carbonate leaves as CO2", "derived: no anion"},
    {"citrate", "Mg3(C6H5O7)2", 451.11, 3, false, 1.0,
     "Lindberg 1990: 55 % soluble in water, fully in acid; the rest dissolves on dilution in the "
     "small bowel",
     "derived: treated as soluble at any gastric pH (Lindberg 1990: citrate 0-4 h urinary Mg "
     "increment far above oxide's)",
     0.0,
     "citrate is absorbed from the gut nearly completely (Fegan 1992, J Urol: not checked here); "
     "citrate cathartics act through their Mg",
     "assumed: the 2/3 citrate per Mg is absorbed"},
    {"chloride", "MgCl2.6H2O", 203.30, 1, true, 1.0, "freely water-soluble",
     "derived: soluble; Bashir 1993 and Firoz & Graber 2001 used it as a well-absorbed salt", 0.0,
     "chloride is absorbed with sodium and bicarbonate exchange", "derived: no unabsorbed anion"},
    {"sulfate", "MgSO4.7H2O", 246.47, 1, true, 1.0, "freely water-soluble (Epsom salt)",
     "derived: soluble", 1.0,
     "one sulfate per Mg; oral sulfate is absorbed incompletely at cathartic doses (Cocchetto & Levy "
     "1981: 53-62 % of 56 mmol recovered in urine) and nearly fully at dietary amounts (Florin 1991)",
     "derived: its absorption is the saturable gut.anion_absorption_vmax/_km"},
    {"glycinate", "Mg(C2H4NO2)2", 172.42, 1, false, 1.0,
     "water-soluble chelate; " MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "assumed equal to the soluble salts: the claimed dipeptide-carrier uptake of amino-acid "
     "chelates has no human comparison at equal elemental dose (Schuette 1994 compared it with "
     "oxide only, in ileal resection)",
     0.0, MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"l_threonate", "Mg(C4H7O5)2", 294.49, 1, false, 1.0,
     "water-soluble organic salt; no human comparative absorption data",
     "assumed equal to the soluble salts; its brain claims are animal data (Slutsky 2010, rats)", 0.0,
     MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"lactate", "Mg(C3H5O3)2", 202.44, 1, false, 1.0, MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "measured: Firoz & Graber 2001 (equivalent to chloride and aspartate)", 0.0,
     MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"aspartate", "Mg(C4H6NO4)2", 288.49, 1, false, 1.0, MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "measured: Firoz & Graber 2001 (equivalent to chloride and lactate)", 0.0,
     MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"acetate", "Mg(CH3COO)2", 142.39, 1, false, 1.0,
     "water-soluble; Fine 1991 used it as the soluble reference salt",
     "derived: soluble", 0.0, MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"gluconate", "Mg(C6H11O7)2", 414.60, 1, false, 1.0, MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "assumed equal to the soluble salts", 0.0, MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"malate", "MgC4H4O5", 156.38, 1, false, 1.0, "soluble organic salt; " MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "assumed equal to the soluble salts: no human comparative absorption data", 0.0,
     MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"taurate", "Mg(C2H6NO3S)2", 272.59, 1, false, 1.0, "soluble amino-acid salt; " MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "assumed equal to the soluble salts: no human comparative absorption data (claims rest on "
     "animal data)",
     0.0, MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"orotate", "Mg(C5H3N2O4)2.2H2O", 370.52, 1, false, 1.0,
     "sparingly water-soluble; dissolves in gastric acid as orotic acid (weak acid); no human "
     "comparative absorption data",
     "assumed soluble: there is no human evidence that it needs more acid than the organic salts", 0.0,
     MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
    {"pidolate", "Mg(C5H6NO3)2", 280.51, 1, false, 1.0,
     "freely water-soluble (sold as oral solution); " MAGSIM_SOLUBLE_ORGANIC_SOURCE,
     "assumed equal to the soluble salts", 0.0, MAGSIM_ABSORBED_ANION_SOURCE, "assumed"},
}};

#undef MAGSIM_SOLUBLE_ORGANIC_SOURCE
#undef MAGSIM_ABSORBED_ANION_SOURCE

constexpr int kNumSalts = static_cast<int>(kSalts.size());

// Other names users write for a form in the table.
struct SaltAlias {
  const char* alias;
  const char* form;
};
inline constexpr std::array<SaltAlias, 1> kSaltAliases{{{"bisglycinate", "glycinate"}}};

}  // namespace magsim::models::magnesium
