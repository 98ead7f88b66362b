// Quantity strings to canonical values: the conversions a dose or a rate depends on, exactly.
#include <gtest/gtest.h>

#include "engine/scenario/units.hpp"

namespace {

using namespace magsim::engine::units;

const Element mg_element{};  // Mg: 24.305 g/mol, valence 2

double amount(const std::string& s) { return convert(s, kinds::elemental_amount(mg_element)); }
double rate(const std::string& s) { return convert(s, kinds::elemental_rate(mg_element)); }
double hours(const std::string& s) { return convert(s, kinds::duration()); }

// Offset and message of the UnitError `f` throws.
template <class F>
std::pair<std::size_t, std::string> unit_error(F f) {
  try {
    f();
  } catch (const UnitError& e) {
    return {e.offset(), e.what()};
  }
  ADD_FAILURE() << "no UnitError";
  return {0, ""};
}

TEST(Units, MilligramOfMgIsOneOver24point305Millimole) {
  EXPECT_EQ(amount("24.305 mg"), 1.0);
  EXPECT_EQ(amount("300 mg"), 300 / 24.305);
  EXPECT_EQ(amount("4 g"), 4000 / 24.305);
}

TEST(Units, MilliequivalentIsHalfMillimole) {
  EXPECT_EQ(amount("2 mEq"), 1.0);
  EXPECT_EQ(amount("8.1 mEq"), 4.05);
  EXPECT_EQ(amount("3 meq"), 1.5);
}

TEST(Units, MicromoleAcceptedWithMicroSignOrU) {
  EXPECT_DOUBLE_EQ(amount("300 µmol"), 0.3);
  EXPECT_DOUBLE_EQ(amount("300 umol"), 0.3);
  EXPECT_DOUBLE_EQ(amount("300 μmol"), 0.3);  // Greek mu
  EXPECT_EQ(amount("12.3 mmol"), 12.3);
}

TEST(Units, ElementalRatesConvertToMillimolePerHour) {
  EXPECT_EQ(rate("24.305 mg/h"), 1.0);
  EXPECT_EQ(rate("24 mmol/d"), 1.0);
  EXPECT_EQ(rate("250 mg/d"), 250.0 / 24 / 24.305);
  EXPECT_EQ(rate("8 mEq/h"), 4.0);
  EXPECT_EQ(rate("1 g/h"), 1000 / 24.305);
  EXPECT_DOUBLE_EQ(rate("2.4 g/d"), 2400.0 / 24 / 24.305);
}

TEST(Units, TimeSpansAreExactInHours) {
  EXPECT_EQ(hours("90 min"), 1.5);
  EXPECT_EQ(hours("12 h"), 12.0);
  EXPECT_EQ(hours("3 d"), 72.0);
  EXPECT_EQ(hours("6 w"), 6 * 7 * 24.0);
  EXPECT_EQ(hours("2 y"), 2 * 365.25 * 24);  // Julian year
  EXPECT_EQ(hours("0.5d"), 12.0);            // no space needed
  EXPECT_EQ(convert("-2 y", kinds::time_point()), -17532.0);
}

TEST(Units, SubjectMeasuresConvertToTheirClinicalUnits) {
  EXPECT_EQ(convert("70 kg", kinds::body_weight()), 70.0);
  EXPECT_EQ(convert("70000 g", kinds::body_weight()), 70.0);
  EXPECT_DOUBLE_EQ(convert("1.65 m", kinds::body_height()), 165.0);
  EXPECT_EQ(convert("45 mL/min/1.73m2", kinds::egfr()), 45.0);
  EXPECT_EQ(convert("45 mL/min/1.73 m2", kinds::egfr()), 45.0);
  EXPECT_EQ(convert("4 g/dL", kinds::albumin()), 40.0);
  EXPECT_EQ(convert("67 y", kinds::age()), 67.0);
}

TEST(Units, AbsoluteFlowIsNotAnEgfrPerBodySurface) {
  const auto [offset, message] = unit_error([] { convert("45 mL/min", kinds::egfr()); });
  EXPECT_EQ(offset, 3u);
  EXPECT_EQ(message, "expected an eGFR (mL/min/1.73m2), got 'mL/min'");
}

TEST(Units, DrugDoseIsAMassNotAnAmountOfMg) {
  EXPECT_EQ(convert("20 mg", kinds::drug_mass()), 20.0);
  EXPECT_EQ(convert("100 µg", kinds::drug_mass()), 0.1);
  EXPECT_EQ(convert("0.5 g", kinds::drug_mass()), 500.0);
  const auto [offset, message] = unit_error([] { convert("2 mmol", kinds::drug_mass()); });
  EXPECT_EQ(offset, 2u);
  EXPECT_NE(message.find("expected a drug mass (µg, mg, g), got 'mmol'"), std::string::npos);
}

TEST(Units, WrongDimensionSaysWhatWasExpected) {
  const auto [offset, message] = unit_error([] { amount("3 mL"); });
  EXPECT_EQ(offset, 2u);
  EXPECT_EQ(message, "expected an amount of Mg (mg, g, mmol, mEq, µmol), got 'mL'");
}

TEST(Units, BareNumberIsMissingAUnit) {
  const auto [offset, message] = unit_error([] { amount("300"); });
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(message, "missing unit: write e.g. \"300 mg\"");
}

TEST(Units, UnknownUnitPointsAtTheSymbol) {
  const auto [offset, message] = unit_error([] { amount("300 mgs"); });
  EXPECT_EQ(offset, 4u);
  EXPECT_NE(message.find("unknown unit 'mgs'"), std::string::npos);
}

TEST(Units, TextThatIsNotANumberIsRejected) {
  EXPECT_THROW(amount("lots"), UnitError);
  EXPECT_THROW(amount(""), UnitError);
  EXPECT_THROW(amount("300 mg/"), UnitError);
  EXPECT_THROW(amount("300/d"), UnitError);
  EXPECT_THROW(amount("1.2.3 mg"), UnitError);
}

TEST(Units, ConcentrationsConvertThroughMolarMass) {
  EXPECT_EQ(convert("1.5e-3 mmol/L", "mmol/L"), 1.5e-3);
  const Unit mg_dl = parse_unit("mg/dL");
  const Unit mmol_l = parse_unit("mmol/L");
  EXPECT_DOUBLE_EQ(convert_value(2.0, mg_dl, mmol_l, &mg_element), 20 / 24.305);
  // Without naming the element, a mass is not an amount.
  EXPECT_THROW(convert_value(2.0, mg_dl, mmol_l), std::invalid_argument);
}

TEST(Units, ParameterOverridesConvertToTheDeclaredUnit) {
  EXPECT_DOUBLE_EQ(convert("0.5 1/d", "1/h"), 0.5 / 24);
  EXPECT_EQ(convert("2 h^-1", "1/h"), 2.0);
  EXPECT_EQ(convert("3 L/h", "mL/min"), 50.0);
  EXPECT_EQ(convert("40 g/L", "g/L"), 40.0);
  EXPECT_EQ(convert("5 %", "%"), 5.0);
  EXPECT_EQ(convert("50 %", "1"), 0.5);
  EXPECT_EQ(convert("1.2", "1"), 1.2);  // bare number: dimensionless only
  EXPECT_EQ(convert("0.3 mmol/kg", "mmol/kg"), 0.3);
}

TEST(Units, BareNumberForDimensionedParameterNeedsUnit) {
  const auto [offset, message] = unit_error([] { convert("0.5", "1/h"); });
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(message, "missing unit: write e.g. \"0.5 1/h\"");
  EXPECT_THROW(convert("3 mg", "1"), UnitError);
  EXPECT_THROW(convert("3 mg", "1/h"), UnitError);
}

TEST(Units, FormatBestRoundTripsExactly) {
  EXPECT_EQ(format_best(300 / 24.305, "mmol", {"mg", "mmol"}, &mg_element), "300 mg");
  EXPECT_EQ(format_best(250.0 / 24 / 24.305, "mmol/h", {"mg/d", "mmol/h"}, &mg_element),
            "250 mg/d");
  EXPECT_EQ(format_best(2016, "h", {"h", "d", "w"}), "84 d");
  EXPECT_EQ(format_best(1.5, "h", {"h", "min"}), "1.5 h");
  EXPECT_EQ(shortest_number(1e-6), "1e-06");
  EXPECT_EQ(shortest_number(100), "100");
  const double odd = 4000 * 0.0986 / 24.305;
  const std::string text = format_best(odd, "mmol", {"mg", "mmol"}, &mg_element);
  EXPECT_EQ(amount(text), odd) << text;
}

TEST(Units, DimensionAlgebraOfCompoundUnits) {
  const Unit u = parse_unit("mL/min/1.73m2");
  EXPECT_EQ(u.dimension.exponent[Dimension::Length], 1);  // dm3 / dm2
  EXPECT_EQ(u.dimension.exponent[Dimension::Time], -1);
  EXPECT_TRUE(parse_unit("%").dimension.dimensionless());
  EXPECT_TRUE(parse_unit("1").dimension.dimensionless());
  EXPECT_TRUE(parse_unit("g/L").dimension == parse_unit("mg/dL").dimension);
  EXPECT_FALSE(parse_unit("mg/dL").dimension == parse_unit("mmol/L").dimension);
  EXPECT_TRUE(is_bare_number(" 1e-6 "));
  EXPECT_FALSE(is_bare_number("1e-6 h"));
}

}  // namespace
