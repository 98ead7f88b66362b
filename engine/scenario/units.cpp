#include "engine/scenario/units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace magsim::engine::units {

bool Dimension::dimensionless() const {
  for (int e : exponent)
    if (e != 0) return false;
  return true;
}

Dimension Dimension::operator*(const Dimension& o) const {
  Dimension r;
  for (int i = 0; i < Count; ++i) r.exponent[i] = exponent[i] + o.exponent[i];
  return r;
}

Dimension Dimension::operator/(const Dimension& o) const {
  Dimension r;
  for (int i = 0; i < Count; ++i) r.exponent[i] = exponent[i] - o.exponent[i];
  return r;
}

Dimension Dimension::pow(int n) const {
  Dimension r;
  for (int i = 0; i < Count; ++i) r.exponent[i] = exponent[i] * n;
  return r;
}

Unit Unit::operator*(const Unit& o) const {
  return {numerator * o.numerator, denominator * o.denominator, dimension * o.dimension};
}

Unit Unit::operator/(const Unit& o) const {
  return {numerator * o.denominator, denominator * o.numerator, dimension / o.dimension};
}

Unit Unit::pow(int n) const {
  Unit r;
  Unit base = n >= 0 ? *this : Unit{denominator, numerator, dimension.pow(-1)};
  for (int i = 0; i < std::abs(n); ++i) r = r * base;
  return r;
}

namespace {

Unit base(Dimension::Base b, double numerator = 1, double denominator = 1, int power = 1) {
  Unit u{numerator, denominator, {}};
  u.dimension.exponent[b] = power;
  return u;
}

struct Symbol {
  const char* name;
  Unit unit;
};

// Base units: mg, mmol, mEq, dm, h. Spellings people actually type are all accepted.
const Symbol* find_symbol(const std::string& s) {
  using D = Dimension;
  // clang-format off
  static const Symbol table[] = {
      {"µg", base(D::Mass, 1, 1000)},       {"μg", base(D::Mass, 1, 1000)},
      {"ug", base(D::Mass, 1, 1000)},       {"mcg", base(D::Mass, 1, 1000)},
      {"mg", base(D::Mass)},                {"g", base(D::Mass, 1000)},
      {"kg", base(D::Mass, 1000000)},       {"µmol", base(D::Amount, 1, 1000)},
      {"μmol", base(D::Amount, 1, 1000)},   {"umol", base(D::Amount, 1, 1000)},
      {"mmol", base(D::Amount)},            {"mol", base(D::Amount, 1000)},
      {"mEq", base(D::Charge)},             {"meq", base(D::Charge)},
      {"mEQ", base(D::Charge)},             {"Eq", base(D::Charge, 1000)},
      {"mm", base(D::Length, 1, 100)},      {"cm", base(D::Length, 1, 10)},
      {"dm", base(D::Length)},              {"m", base(D::Length, 10)},
      {"L", base(D::Length, 1, 1, 3)},      {"l", base(D::Length, 1, 1, 3)},
      {"dL", base(D::Length, 1, 10, 3)},    {"dl", base(D::Length, 1, 10, 3)},
      {"mL", base(D::Length, 1, 1000, 3)},  {"ml", base(D::Length, 1, 1000, 3)},
      {"µL", base(D::Length, 1, 1000000, 3)}, {"uL", base(D::Length, 1, 1000000, 3)},
      {"s", base(D::Time, 1, 3600)},        {"min", base(D::Time, 1, 60)},
      {"h", base(D::Time)},                 {"hr", base(D::Time)},
      {"hour", base(D::Time)},              {"hours", base(D::Time)},
      {"d", base(D::Time, 24)},             {"day", base(D::Time, 24)},
      {"days", base(D::Time, 24)},          {"w", base(D::Time, 168)},
      {"wk", base(D::Time, 168)},           {"week", base(D::Time, 168)},
      {"weeks", base(D::Time, 168)},        // 1 y = 365.25 d (Julian year)
      {"y", base(D::Time, 8766)},           {"yr", base(D::Time, 8766)},
      {"year", base(D::Time, 8766)},        {"years", base(D::Time, 8766)},
      {"%", Unit{1, 100, {}}},
  };
  // clang-format on
  for (const auto& sym : table)
    if (s == sym.name) return &sym;
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || static_cast<unsigned char>(c) >= 0x80;
}

// Reads a decimal number at `pos` ([+-]digits[.digits][e[+-]digits]); advances pos.
// Returns false (pos unchanged) if there is none.
bool read_number(const std::string& s, std::size_t& pos, double& value) {
  std::size_t i = pos;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  const std::size_t mantissa = i;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && is_digit(s[j])) {
      while (j < s.size() && is_digit(s[j])) ++j;
      i = j;
    }
  }
  double v = 0;
  // from_chars is locale-independent; it takes no leading '+'.
  const auto result = std::from_chars(s.data() + mantissa, s.data() + i, v);
  if (result.ec != std::errc() || result.ptr != s.data() + i) return false;
  value = negative ? -v : v;
  pos = i;
  return true;
}

void skip_spaces(const std::string& s, std::size_t& pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
}

// Operators between unit terms: '/', '*' and the middle dot.
int read_operator(const std::string& s, std::size_t& pos) {
  if (pos < s.size() && s[pos] == '/') return ++pos, '/';
  if (pos < s.size() && s[pos] == '*') return ++pos, '*';
  if (s.compare(pos, 2, "\xC2\xB7") == 0) return pos += 2, '*';
  return 0;
}

// term := [number] [symbol [exponent]], e.g. "mL", "1", "1.73m2", "h^-1".
Unit read_term(const std::string& s, std::size_t& pos) {
  const std::size_t start = pos;
  Unit u;
  double factor = 0;
  const bool has_number = read_number(s, pos, factor);
  if (has_number) {
    if (factor <= 0) throw UnitError(start, "a factor inside a unit must be positive");
    u.numerator = factor;
    skip_spaces(s, pos);
  }
  const std::size_t sym_start = pos;
  if (pos < s.size() && s[pos] == '%') {
    ++pos;
  } else {
    while (pos < s.size() && is_letter(s[pos]) && s.compare(pos, 2, "\xC2\xB7") != 0) ++pos;
  }
  if (pos == sym_start) {
    if (has_number) return u;
    if (pos >= s.size()) throw UnitError(pos, "expected a unit after the operator");
    throw UnitError(pos, "unexpected '" + s.substr(pos, 1) + "' in unit");
  }
  const std::string name = s.substr(sym_start, pos - sym_start);
  const Symbol* sym = find_symbol(name);
  if (!sym) throw UnitError(sym_start, "unknown unit '" + name + "'");
  int power = 1;
  std::size_t p = pos;
  if (p < s.size() && s[p] == '^') ++p;
  if (p < s.size() && (is_digit(s[p]) || (s[p] == '-' && p + 1 < s.size() && is_digit(s[p + 1])))) {
    const bool neg = s[p] == '-';
    if (neg) ++p;
    int e = 0;
    while (p < s.size() && is_digit(s[p]) && e < 100) e = e * 10 + (s[p++] - '0');
    power = neg ? -e : e;
    pos = p;
  } else if (p != pos) {
    throw UnitError(p, "expected an exponent after '^'");
  }
  return u * sym->unit.pow(power);
}

std::string trimmed(const std::string& s, std::size_t& begin) {
  begin = 0;
  while (begin < s.size() && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  std::size_t end = s.size();
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

// Parses a unit expression occupying s[pos, end); offsets in errors are relative to s.
Unit parse_unit_at(const std::string& s, std::size_t pos) {
  Unit u = read_term(s, pos);
  while (true) {
    skip_spaces(s, pos);
    if (pos >= s.size()) return u;
    const std::size_t op_at = pos;
    const int op = read_operator(s, pos);
    if (!op) throw UnitError(pos, "unexpected '" + s.substr(pos, 1) + "' in unit");
    skip_spaces(s, pos);
    if (pos >= s.size())
      throw UnitError(op_at, std::string("expected a unit after '") + static_cast<char>(op) + "'");
    const Unit t = read_term(s, pos);
    u = op == '/' ? u / t : u * t;
  }
}

// Raises v (in base units of `from`) into base units of `to` across mass, amount and charge of
// the element: mass / molar mass = amount, charge / valence = amount.
bool bridge(double& v, const Dimension& from, const Dimension& to, const Element& e) {
  using D = Dimension;
  const int dm = from.exponent[D::Mass] - to.exponent[D::Mass];
  const int da = from.exponent[D::Amount] - to.exponent[D::Amount];
  const int dc = from.exponent[D::Charge] - to.exponent[D::Charge];
  if (dm + da + dc != 0) return false;
  if (from.exponent[D::Length] != to.exponent[D::Length]) return false;
  if (from.exponent[D::Time] != to.exponent[D::Time]) return false;
  // g/mol = mg/mmol, so the molar mass is already in base units.
  for (int i = 0; i < std::abs(dm); ++i)
    v = dm > 0 ? v / e.molar_mass_g_per_mol : v * e.molar_mass_g_per_mol;
  for (int i = 0; i < std::abs(dc); ++i) v = dc > 0 ? v / e.valence : v * e.valence;
  return true;
}

std::string format_digits(double value, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, value);
  std::string s = buf;
  const double magnitude = std::fabs(value);
  if (s.find('e') != std::string::npos && magnitude >= 1e-4 && magnitude < 1e15) {
    const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
    const int decimals = std::max(0, precision - 1 - exponent);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    s = buf;
  }
  return s;
}

double read_back(const std::string& s) {
  double v = 0;
  std::size_t pos = 0;
  if (!read_number(s, pos, v) || pos != s.size()) return std::nan("");
  return v;
}

}  // namespace

Unit parse_unit(const std::string& text) {
  std::size_t begin = 0;
  const std::string t = trimmed(text, begin);
  if (t.empty() || t == "1") return Unit{};
  return parse_unit_at(text.substr(0, begin + t.size()), begin);
}

Quantity parse_quantity(const std::string& text) {
  std::size_t begin = 0;
  const std::string t = trimmed(text, begin);
  const std::string s = text.substr(0, begin + t.size());
  Quantity q;
  std::size_t pos = begin;
  if (t.empty()) throw UnitError(0, "expected a number with a unit, e.g. \"300 mg\", got nothing");
  if (!read_number(s, pos, q.value))
    throw UnitError(begin, "expected a number with a unit, e.g. \"300 mg\", got '" + t + "'");
  if (pos < s.size() && (s[pos] == '.' || is_digit(s[pos])))
    throw UnitError(pos, "malformed number '" + t + "'");
  skip_spaces(s, pos);
  q.unit_offset = pos;
  q.unit_text = s.substr(pos);
  if (!q.unit_text.empty()) {
    if (read_operator(s, pos) == '/')  // "300/d" is a number divided, not a unit
      throw UnitError(q.unit_offset, "expected a unit after the number, got '" + q.unit_text + "'");
    q.unit = parse_unit_at(s, q.unit_offset);
  }
  return q;
}

bool is_bare_number(const std::string& text) {
  std::size_t begin = 0;
  const std::string t = trimmed(text, begin);
  std::size_t pos = 0;
  double v = 0;
  return read_number(t, pos, v) && pos == t.size();
}

double convert_value(double value, const Unit& from, const Unit& to, const Element* element) {
  // Multiply before dividing so that integer ratios stay exact (90 * 1 / 60 = 1.5); equal
  // factors (the same unit written twice) leave the value untouched.
  const double up = from.numerator * to.denominator;
  const double down = from.denominator * to.numerator;
  double v = up == down ? value : value * up / down;
  if (from.dimension == to.dimension) return v;
  if (element && bridge(v, from.dimension, to.dimension, *element)) return v;
  throw std::invalid_argument("incompatible units");
}

namespace {
double finite(double v, const std::string& text, std::size_t offset) {
  if (!std::isfinite(v)) throw UnitError(offset, "'" + text + "' is out of range");
  return v;
}
}  // namespace

double convert(const std::string& text, const QuantityKind& kind, const Element& element) {
  const std::string expected = kind.what + " (" + kind.choices + ")";
  std::size_t begin = 0;
  const std::string t = trimmed(text, begin);
  {
    std::size_t pos = 0;
    double v = 0;
    if (!read_number(t, pos, v))
      throw UnitError(begin,
                      "expected " + expected + ", e.g. \"" + kind.example + "\", got '" + t + "'");
  }
  Quantity q;
  try {
    q = parse_quantity(text);
  } catch (const UnitError& e) {
    throw UnitError(e.offset(), std::string(e.what()) + "; expected " + expected);
  }
  if (q.unit_text.empty()) {
    if (kind.bare_number_ok) return q.value;
    throw UnitError(begin, "missing unit: write e.g. \"" + kind.example + "\"");
  }
  double v = 0;
  try {
    v = convert_value(q.value, q.unit, parse_unit(kind.unit), kind.elemental ? &element : nullptr);
  } catch (const std::invalid_argument&) {
    throw UnitError(q.unit_offset, "expected " + expected + ", got '" + q.unit_text + "'");
  }
  return finite(v, t, begin);
}

double convert(const std::string& text, const std::string& target_unit) {
  const Unit target = parse_unit(target_unit);
  const Quantity q = parse_quantity(text);
  if (q.unit_text.empty()) {
    if (target.dimension.dimensionless()) return q.value;
    throw UnitError(
        0, "missing unit: write e.g. \"" + shortest_number(q.value) + " " + target_unit + "\"");
  }
  try {
    std::size_t begin = 0;
    return finite(convert_value(q.value, q.unit, target), trimmed(text, begin), begin);
  } catch (const std::invalid_argument&) {
    const std::string want = target.dimension.dimensionless()
                                 ? std::string("a plain number")
                                 : "a value in " + target_unit + " or a unit convertible to it";
    throw UnitError(q.unit_offset, "expected " + want + ", got '" + q.unit_text + "'");
  }
}

std::string shortest_number(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : value < 0 ? "-inf" : "nan";
  for (int p = 1; p <= 17; ++p) {
    const std::string s = format_digits(value, p);
    if (read_back(s) == value) return s;
  }
  return format_digits(value, 17);
}

std::string format_exact(double value, const std::string& unit) {
  return format_best(value, unit, {unit.c_str()});
}

std::string format_best(double value, const std::string& unit,
                        const std::initializer_list<const char*>& candidates,
                        const Element* element) {
  const Unit canonical = parse_unit(unit);
  std::string best = shortest_number(value) + " " + unit;
  bool found = false;
  for (const char* c : candidates) {
    const Unit u = parse_unit(c);
    double v = 0;
    try {
      v = convert_value(value, canonical, u, element);
    } catch (const std::invalid_argument&) {
      continue;
    }
    for (int p = 1; p <= 17; ++p) {
      const std::string digits = format_digits(v, p);
      double back = 0;
      try {
        back = convert_value(read_back(digits), u, canonical, element);
      } catch (const std::invalid_argument&) {
        break;
      }
      if (back == value) {
        const std::string text = digits + " " + c;
        if (!found || text.size() < best.size()) best = text;
        found = true;
        break;
      }
    }
  }
  return best;
}

namespace kinds {

QuantityKind elemental_amount(const Element& e) {
  return {"mmol", "an amount of " + e.symbol, "mg, g, mmol, mEq, µmol", "300 mg", true, false};
}
QuantityKind elemental_rate(const Element& e) {
  return {
      "mmol/h", "a rate of " + e.symbol, "mg/d, mmol/d, mg/h, mmol/h, g/h, mEq/h", "300 mg/d", true,
      false};
}
QuantityKind elemental_concentration(const Element& e) {
  return {"mmol/L", "a concentration of " + e.symbol, "mmol/L, mg/dL, mEq/L", "0.85 mmol/L", true,
          false};
}
QuantityKind salt_mass() {
  return {"mg", "a mass of salt as sold", "µg, mg, g", "500 mg", false, false};
}
QuantityKind salt_rate() {
  return {"mg/h", "a salt mass per time", "g/h, mg/h, g/d", "1 g/h", false, false};
}
QuantityKind drug_mass() { return {"mg", "a drug mass", "µg, mg, g", "20 mg", false, false}; }
QuantityKind duration() { return {"h", "a duration", "min, h, d, w, y", "12 w", false, false}; }
QuantityKind time_point() {
  return {"h", "a time from the start of the run", "min, h, d, w, y", "3 d", false, false};
}
QuantityKind age() { return {"y", "an age", "y, w, d", "67 y", false, false}; }
QuantityKind body_weight() { return {"kg", "a body weight", "kg, g", "70 kg", false, false}; }
QuantityKind body_height() { return {"cm", "a height", "cm, m", "165 cm", false, false}; }
QuantityKind egfr() {
  return {"mL/min/1.73m2", "an eGFR", "mL/min/1.73m2", "60 mL/min/1.73m2", false, false};
}
QuantityKind albumin() {
  return {"g/L", "an albumin concentration", "g/L, g/dL", "40 g/L", false, false};
}

}  // namespace kinds
}  // namespace magsim::engine::units
