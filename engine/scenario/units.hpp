// Quantities with units, as scenario files write them ("300 mg", "45 mL/min/1.73m2", "6 w"),
// converted to a requested unit with the dimension checked.
//
// A unit is a rational factor times a product of powers of five base dimensions:
//   mass (mg), amount of substance (mmol), charge (mEq), length (dm, so that 1 L = 1 dm3), time
//   (h).
// Factors are kept as numerator / denominator so that the stated conversions are exact in
// floating point: 90 min = 90 * 1 / 60 h = 1.5 h, 1 w = 168 h, 1 y = 365.25 d = 8766 h.
//
// Mass, amount and charge of one element are interchangeable only when the caller names the
// element (its molar mass and valence): "300 mg" of elemental Mg is 300 / 24.305 mmol, and
// 1 mmol Mg = 2 mEq. Without an element, "mg" is a mass and nothing else (a drug dose).
#pragma once

#include <array>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace magsim::engine::units {

// A problem in a quantity string; `offset` is the 0-based byte offset inside that string.
class UnitError : public std::runtime_error {
 public:
  UnitError(std::size_t offset, const std::string& message)
      : std::runtime_error(message), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// Exponents of the base dimensions.
struct Dimension {
  enum Base { Mass = 0, Amount, Charge, Length, Time, Count };
  std::array<int, Count> exponent{};

  bool dimensionless() const;
  bool operator==(const Dimension& o) const { return exponent == o.exponent; }
  bool operator!=(const Dimension& o) const { return !(*this == o); }
  Dimension operator*(const Dimension& o) const;
  Dimension operator/(const Dimension& o) const;
  Dimension pow(int n) const;
};

// value [unit] = value * numerator / denominator [base units].
struct Unit {
  double numerator = 1;
  double denominator = 1;
  Dimension dimension;

  Unit operator*(const Unit& o) const;
  Unit operator/(const Unit& o) const;
  Unit pow(int n) const;
};

// The element whose mass, amount and charge a scenario may use interchangeably.
struct Element {
  std::string symbol = "Mg";
  double molar_mass_g_per_mol = 24.305;  // IUPAC standard atomic weight; 1 mmol = 24.305 mg
  int valence = 2;                       // 1 mmol = 2 mEq
};

// What a value is meant to be, for conversion and for messages that say what was expected.
struct QuantityKind {
  std::string unit;             // the unit the value is returned in, e.g. "mmol/h"
  std::string what;             // "a Mg intake rate"
  std::string choices;          // "mg/d, mmol/d, mg/h, mmol/h, g/h, mEq/h"
  std::string example;          // "300 mg/d", for "missing unit: write e.g. ..."
  bool elemental = false;       // mass, amount and charge of the element convert into each other
  bool bare_number_ok = false;  // a plain number is taken as already in `unit`
};

// The kinds a scenario file uses. `element` only names the element in messages.
namespace kinds {
QuantityKind elemental_amount(const Element& e);  // mmol: mg, g, mmol, mEq, µmol
QuantityKind elemental_rate(const Element& e);    // mmol/h: mg/d, mmol/d, g/h, mmol/h, mEq/h
QuantityKind salt_mass();                         // mg: µg, mg, g (a salt as sold)
QuantityKind salt_rate();                         // mg/h: mg/h, g/h, g/d
QuantityKind drug_mass();                         // mg: µg, mg, g
QuantityKind duration();                          // h: min, h, d, w, y
QuantityKind time_point();                        // h, measured from t = 0 (may be negative)
QuantityKind age();                               // y
QuantityKind body_weight();                       // kg
QuantityKind body_height();                       // cm
QuantityKind egfr();                              // mL/min/1.73m2
QuantityKind albumin();                           // g/L
QuantityKind elemental_concentration(const Element& e);  // mmol/L: mmol/L, mg/dL, mEq/L
}  // namespace kinds

// Parses a unit expression such as "mL/min/1.73m2", "1/h", "mg/dL", "%", "" (dimensionless).
// Throws UnitError with the offset inside `text`.
Unit parse_unit(const std::string& text);

// A number followed by an optional unit expression.
struct Quantity {
  double value = 0;
  Unit unit;
  std::string unit_text;        // as written, trimmed; empty for a bare number
  std::size_t unit_offset = 0;  // where unit_text starts inside the parsed string
};
Quantity parse_quantity(const std::string& text);

// True if `text` is a number with no unit.
bool is_bare_number(const std::string& text);

// `text` converted to kind.unit; throws UnitError saying what was expected.
double convert(const std::string& text, const QuantityKind& kind, const Element& element = {});

// `text` converted to `target_unit` (e.g. a parameter's declared unit). A bare number is accepted
// only when the target is dimensionless, and then taken as already in the target unit.
double convert(const std::string& text, const std::string& target_unit);

// Converts a value between two parsed units; throws std::invalid_argument if the dimensions
// differ (and cannot be bridged through `element` when it is given).
double convert_value(double value, const Unit& from, const Unit& to,
                     const Element* element = nullptr);

// Formats `value` (in `unit`) as "<number> <unit>" with the fewest significant digits that convert
// back to exactly `value`; e.g. format_exact(1.5, "h") == "1.5 h".
std::string format_exact(double value, const std::string& unit);

// Like format_exact, but written in whichever of `candidates` (units of the same dimension as
// `unit`, or bridged through `element`) gives the shortest text; ties go to the earlier candidate.
std::string format_best(double value, const std::string& unit,
                        const std::initializer_list<const char*>& candidates,
                        const Element* element = nullptr);

// Shortest decimal text that reads back as exactly `value` ("0.1", "1e-06", "12").
std::string shortest_number(double value);

}  // namespace magsim::engine::units
