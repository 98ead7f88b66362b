#include "engine/fit/dataset.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "engine/scenario/input_file.hpp"
#include "engine/scenario/parser.hpp"
#include "engine/scenario/units.hpp"

namespace magsim::engine::fit {
namespace {

namespace fs = std::filesystem;
namespace lim = dataset_limits;
using units::UnitError;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

std::string suggestion(const std::string& word, const std::vector<std::string>& options) {
  const std::string best = closest_name(word, options);
  if (!best.empty()) return "; did you mean '" + best + "'?";
  return options.empty() ? "" : "; expected one of: " + join(options);
}

// A scalar for scenario text: plain when it is made of characters that never mean anything to
// YAML in a flow collection, else double-quoted.
std::string yaml_scalar(const std::string& s) {
  bool plain = !s.empty();
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == ' ' || c == '.' || c == '/' || c == '%' || c == '_' ||
          c == '-' || c >= 0x80))
      plain = false;
  if (plain && (s.front() == ' ' || s.back() == ' ' || s.front() == '-')) plain = false;
  if (plain) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string where_text(const std::string& file, int line, int column) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// ---- mapping file ------------------------------------------------------------------------------

enum class CmtKind { Supplement, Infusion, Injection, Medication, Observe };

const std::vector<std::string> kMappingKeys{"dataset", "base",       "units",
                                            "columns", "cmt",        "covariates"};
const std::vector<std::string> kUnitsKeys{"time"};
const std::vector<std::string> kColumns{"ID", "TIME", "EVID", "AMT", "RATE", "DUR", "II",
                                        "ADDL", "SS", "CMT", "DV", "MDV", "BLQ", "LLOQ"};
const std::vector<std::string> kCmtKinds{"supplement", "infusion", "injection", "medication",
                                         "observe"};
const std::vector<std::string> kCovariateKeys{"field", "unit", "values"};
const std::vector<std::string> kSubjectFields{"sex", "age", "weight", "height", "egfr", "albumin"};

struct Place {
  int line = 1, column = 1;
};

struct CmtSpec {
  long number = 0;
  CmtKind kind = CmtKind::Observe;
  std::string name;         // salt form, drug or output series
  std::string amount_unit;  // doses: unit of AMT (without " salt")
  bool salt = false;        // AMT is the salt's mass
  std::string route;        // injections, medications ("" = the scenario's default)
  // observations
  std::string unit;         // of DV, as the mapping writes it
  units::Unit from, to;     // DV unit, series unit
  std::string series_unit;
  double interval_h = kNaN;  // fixed window; NaN: a point observation (or DUR per row)
  bool interval = false;     // an interval observation (fixed window or DUR per row)
  Place key;                 // of the CMT key in the mapping
  std::string what() const {
    switch (kind) {
      case CmtKind::Supplement: return "an oral supplement (" + name + ")";
      case CmtKind::Infusion: return "an IV infusion (" + name + ")";
      case CmtKind::Injection: return "an injection (" + name + ")";
      case CmtKind::Medication: return "a medication (" + name + ")";
      case CmtKind::Observe: return "an observation of " + name;
    }
    return "";
  }
};

struct CovariateSpec {
  std::string column;  // as the mapping writes it
  std::string field;
  std::string unit;  // numeric value with this unit
  std::vector<std::pair<std::string, std::string>> values;  // cell text -> field value
  Place key;
};

struct Mapping {
  std::string file;
  std::string dataset;  // resolved against the mapping's directory
  std::string base;     // likewise; "" for none
  Place base_place;
  std::string time_unit;
  double h_per_time_unit = 1;
  std::vector<std::pair<std::string, std::pair<std::string, Place>>> renames;  // magsim -> column
  std::vector<CmtSpec> cmts;
  std::vector<CovariateSpec> covariates;
  const CmtSpec* find_cmt(long n) const {
    for (const auto& c : cmts)
      if (c.number == n) return &c;
    return nullptr;
  }
};

class MappingReader {
 public:
  MappingReader(std::string file, const ModelInfo& info, const Vocabulary& vocab)
      : file_(std::move(file)), info_(info), vocab_(vocab) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message,
                         std::size_t offset = 0) const {
    const Place p = place(at);
    const int quote = (offset > 0 && at.IsScalar() && at.Tag() == "!") ? 1 : 0;
    throw ScenarioError(file_, p.line, p.column + quote + static_cast<int>(offset), message);
  }
  static Place place(const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return {};
    return {m.line + 1, m.column + 1};
  }

  struct Entry {
    std::string name;
    YAML::Node key, value;
  };
  std::vector<Entry> fields(const YAML::Node& map, const YAML::Node& where,
                            const std::string& context,
                            const std::vector<std::string>* allowed) const {
    if (!map.IsMap())
      fail(map.IsNull() ? where : map, "expected a map (key: value) for " + context);
    std::vector<Entry> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, "expected a plain key in " + context);
      const std::string name = it->first.Scalar();
      if (allowed && std::find(allowed->begin(), allowed->end(), name) == allowed->end())
        fail(it->first, "unknown key '" + name + "' in " + context + suggestion(name, *allowed));
      for (const auto& e : out)
        if (e.name == name)
          fail(it->first, "duplicate key '" + name + "' in " + context + " (first given on line " +
                              std::to_string(place(e.key).line) + ")");
      out.push_back({name, it->first, it->second});
    }
    return out;
  }
  static const Entry* find(const std::vector<Entry>& es, const std::string& n) {
    for (const auto& e : es)
      if (e.name == n) return &e;
    return nullptr;
  }
  std::string scalar(const Entry& e) const {
    if (e.value.IsNull()) fail(e.key, "'" + e.name + "' has no value");
    if (!e.value.IsScalar()) fail(e.value, "expected a single value for '" + e.name + "'");
    return e.value.Scalar();
  }

  Mapping read(const YAML::Node& root);

 private:
  CmtSpec read_cmt(const Entry& e) const;
  CovariateSpec read_covariate(const Entry& e) const;
  std::string relative_path(const std::string& p) const {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    const fs::path dir = fs::path(file_).parent_path();
    return dir.empty() ? p : (dir / p).string();
  }
  // An amount unit for `kind` ("mg", "g salt"): checked by converting "1 UNIT" as the scenario
  // parser will convert the dose.
  void read_amount(const Entry& e, CmtSpec& c, bool salt_allowed) const {
    std::string u = trim(scalar(e));
    const std::size_t sp = u.rfind(' ');
    if (sp != std::string::npos && u.substr(sp + 1) == "salt") {
      if (!salt_allowed)
        fail(e.value, "a drug's amount is its own mass (e.g. mg); 'salt' applies to Mg salts");
      c.salt = true;
      u = trim(u.substr(0, sp));
    }
    const units::QuantityKind kind =
        c.kind == CmtKind::Medication ? units::kinds::drug_mass()
        : c.salt                      ? units::kinds::salt_mass()
                                      : units::kinds::elemental_amount(scenario_defaults::element());
    try {
      units::parse_unit(u);
      units::convert("1 " + u, kind, scenario_defaults::element());
    } catch (const UnitError&) {
      fail(e.value, "'" + e.value.Scalar() + "' is not a unit of " + kind.what + " (" +
                        kind.choices + ")" +
                        (c.kind != CmtKind::Medication && !c.salt
                             ? "; for the mass of the salt as sold write e.g. 'g salt'"
                             : ""));
    }
    if (u.empty()) fail(e.value, "'amount' needs a unit, e.g. mg");
    c.amount_unit = u;
  }

  std::string file_;
  const ModelInfo& info_;
  const Vocabulary& vocab_;
};

Mapping MappingReader::read(const YAML::Node& root) {
  if (root.IsNull())
    throw ScenarioError(file_, 1, 1,
                        "the mapping is empty: it needs 'units: {time: h}' and 'cmt: {...}'");
  const auto top = fields(root, root, "the dataset mapping", &kMappingKeys);
  Mapping m;
  m.file = file_;
  if (const Entry* d = find(top, "dataset")) m.dataset = relative_path(scalar(*d));
  if (const Entry* b = find(top, "base")) {
    m.base = relative_path(scalar(*b));
    m.base_place = place(b->value);
  }
  const Entry* u = find(top, "units");
  if (!u) fail(root, "missing required key 'units' (e.g. units: {time: h, ...})");
  const auto uf = fields(u->value, u->key, "'units'", &kUnitsKeys);
  const Entry* t = find(uf, "time");
  if (!t) fail(u->value.IsNull() ? u->key : u->value,
               "missing required key 'time' in 'units': the unit of TIME, II and DUR (e.g. time: h)");
  m.time_unit = trim(scalar(*t));
  try {
    if (m.time_unit.empty()) throw UnitError(0, "");
    m.h_per_time_unit = units::convert("1 " + m.time_unit, units::kinds::duration());
  } catch (const UnitError&) {
    fail(t->value, "'" + t->value.Scalar() + "' is not a unit of time (min, h, d, w)");
  }

  if (const Entry* c = find(top, "columns")) {
    for (const auto& e : fields(c->value, c->key, "'columns' (magsim column: your column)",
                                &kColumns)) {
      const std::string to = trim(scalar(e));
      if (to.empty()) fail(e.value, "empty column name");
      m.renames.push_back({e.name, {to, place(e.value)}});
    }
  }

  const Entry* cmt = find(top, "cmt");
  if (!cmt)
    fail(root, "missing required key 'cmt': what each CMT value means (e.g. cmt: {1: "
               "{supplement: citrate, amount: mg}, 10: {observe: serum_mg_total, unit: mmol/L}})");
  for (const auto& e : fields(cmt->value, cmt->key, "'cmt'", nullptr)) m.cmts.push_back(read_cmt(e));
  if (m.cmts.empty()) fail(cmt->value, "'cmt' is empty: map at least one CMT value");

  if (const Entry* c = find(top, "covariates")) {
    for (const auto& e : fields(c->value, c->key, "'covariates' (column: {field, unit})", nullptr)) {
      CovariateSpec cov = read_covariate(e);
      for (const auto& other : m.covariates)
        if (other.field == cov.field)
          fail(e.value, "subject field '" + cov.field + "' is already given by column '" +
                            other.column + "'");
      m.covariates.push_back(cov);
    }
  }
  return m;
}

CmtSpec MappingReader::read_cmt(const Entry& e) const {
  CmtSpec c;
  c.key = place(e.key);
  {
    char* end = nullptr;
    const std::string& s = e.name;
    errno = 0;
    const long n = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0)
      fail(e.key, "expected a whole number as a CMT value, got '" + s + "'");
    c.number = n;
  }
  std::vector<std::string> allowed{"supplement", "infusion", "injection", "medication",
                                   "observe", "amount", "route", "unit", "interval"};
  const auto fs_ = fields(e.value, e.key, "CMT " + e.name, &allowed);
  const Entry* kind = nullptr;
  for (const auto& f : fs_)
    if (std::find(kCmtKinds.begin(), kCmtKinds.end(), f.name) != kCmtKinds.end()) {
      if (kind)
        fail(f.key, "CMT " + e.name + " is already '" + kind->name + "'; one kind per CMT value");
      kind = &f;
    }
  if (!kind)
    fail(e.value.IsNull() ? e.key : e.value,
         "CMT " + e.name + " needs one of: " + join(kCmtKinds) +
             " (e.g. {supplement: citrate, amount: mg} or {observe: serum_mg_total, unit: mmol/L})");
  c.name = scalar(*kind);
  const std::vector<std::string> kind_keys = [&]() -> std::vector<std::string> {
    if (kind->name == "supplement" || kind->name == "infusion") return {kind->name, "amount"};
    if (kind->name == "injection" || kind->name == "medication")
      return {kind->name, "amount", "route"};
    return {"observe", "unit", "interval"};
  }();
  for (const auto& f : fs_)
    if (std::find(kind_keys.begin(), kind_keys.end(), f.name) == kind_keys.end())
      fail(f.key, "'" + f.name + "' does not apply to " + kind->name + " (CMT " + e.name +
                      "); its keys: " + join(kind_keys));

  std::vector<std::string> salts;
  for (const auto& s : vocab_.salts) salts.push_back(s.name);
  if (kind->name == "observe") {
    c.kind = CmtKind::Observe;
    const int out = info_.find_output(c.name);
    if (out < 0) {
      std::vector<std::string> names;
      for (const auto& o : info_.outputs) names.push_back(o.name);
      fail(kind->value, "unknown output series '" + c.name + "'" + suggestion(c.name, names));
    }
    c.series_unit = info_.outputs[static_cast<std::size_t>(out)].unit;
    const Entry* unit = find(fs_, "unit");
    if (!unit)
      fail(e.value, "CMT " + e.name + " needs 'unit': the unit of DV (" + c.name + " is in " +
                        c.series_unit + ")");
    c.unit = trim(scalar(*unit));
    try {
      c.from = units::parse_unit(c.unit);
      c.to = units::parse_unit(c.series_unit);
    } catch (const UnitError& x) {
      fail(unit->value, std::string("in unit '") + unit->value.Scalar() + "': " + x.what(),
           x.offset());
    }
    try {
      const units::Element el = scenario_defaults::element();
      units::convert_value(1.0, c.from, c.to, &el);
    } catch (const std::invalid_argument&) {
      fail(unit->value, "'" + c.unit + "' is not a unit of " + c.name + ", which is in " +
                            c.series_unit);
    }
    if (const Entry* w = find(fs_, "interval")) {
      c.interval = true;
      if (upper(trim(scalar(*w))) == "DUR") return c;  // each row's window in its DUR cell
      try {
        c.interval_h = units::convert(scalar(*w), units::kinds::duration());
      } catch (const UnitError& x) {
        fail(w->value, x.what(), x.offset());
      }
      if (!(c.interval_h > 0) || c.interval_h > 150 * 8766.0)
        fail(w->value, "an interval must be positive and at most 150 y, got '" +
                           w->value.Scalar() + "'");
    }
    return c;
  }
  const Entry* amount = find(fs_, "amount");
  if (!amount)
    fail(e.value, "CMT " + e.name + " needs 'amount': the unit of AMT (e.g. amount: mg, or "
                  "amount: g salt for the mass of the salt as sold)");
  if (kind->name == "medication") {
    c.kind = CmtKind::Medication;
    const DrugInfo* d = vocab_.find_drug(c.name);
    if (!d) {
      std::vector<std::string> names;
      for (const auto& x : vocab_.drugs) names.push_back(x.name);
      fail(kind->value, "unknown drug '" + c.name + "'" + suggestion(c.name, names));
    }
    if (const Entry* r = find(fs_, "route")) {
      c.route = scalar(*r);
      if (std::find(d->routes.begin(), d->routes.end(), c.route) == d->routes.end())
        fail(r->value, c.name + " cannot be given by route '" + c.route + "'; its routes: " +
                           join(d->routes));
    }
    read_amount(*amount, c, false);
    return c;
  }
  c.kind = kind->name == "supplement" ? CmtKind::Supplement
           : kind->name == "infusion" ? CmtKind::Infusion
                                      : CmtKind::Injection;
  const SaltForm* salt = vocab_.find_salt(c.name);
  if (!salt) fail(kind->value, "unknown salt form '" + c.name + "'" + suggestion(c.name, salts));
  if (c.kind == CmtKind::Supplement && !salt->oral)
    fail(kind->value, "salt form '" + c.name + "' is not taken by mouth");
  if (c.kind != CmtKind::Supplement && !salt->iv) {
    std::vector<std::string> iv;
    for (const auto& s : vocab_.salts)
      if (s.iv) iv.push_back(s.name);
    fail(kind->value, "salt form '" + c.name + "' cannot be given by injection or infusion; " +
                          "IV forms: " + join(iv));
  }
  if (const Entry* r = find(fs_, "route")) {
    c.route = scalar(*r);
    if (c.route != "im" && c.route != "iv")
      fail(r->value, "unknown route '" + c.route + "' for an injection; expected im or iv");
  }
  read_amount(*amount, c, true);
  return c;
}

CovariateSpec MappingReader::read_covariate(const Entry& e) const {
  CovariateSpec c;
  c.column = e.name;
  c.key = place(e.key);
  const auto fs_ = fields(e.value, e.key, "covariate '" + e.name + "'", &kCovariateKeys);
  const Entry* field = find(fs_, "field");
  if (!field)
    fail(e.value.IsNull() ? e.key : e.value,
         "covariate '" + e.name + "' needs 'field': one of " + join(kSubjectFields));
  c.field = scalar(*field);
  if (std::find(kSubjectFields.begin(), kSubjectFields.end(), c.field) == kSubjectFields.end())
    fail(field->value, "unknown subject field '" + c.field + "'" + suggestion(c.field, kSubjectFields));
  const Entry* unit = find(fs_, "unit");
  const Entry* values = find(fs_, "values");
  if (unit && values) fail(values->key, "give either 'unit' (numbers) or 'values' (a map), not both");
  if (c.field == "sex" && unit) fail(unit->key, "sex has no unit; map the codes with 'values'");
  if (!unit && !values)
    fail(e.value, c.field == "sex" ? "covariate '" + e.name + "' needs 'values' (e.g. {0: male, 1: female})"
                                   : "covariate '" + e.name + "' needs 'unit' (e.g. unit: " +
                                         (c.field == "age" ? "y" : c.field == "weight" ? "kg"
                                          : c.field == "height" ? "cm" : c.field == "egfr"
                                          ? "mL/min/1.73m2" : "g/L") + ")");
  if (unit) {
    namespace k = units::kinds;
    const units::QuantityKind kind = c.field == "age"      ? k::age()
                                     : c.field == "weight" ? k::body_weight()
                                     : c.field == "height" ? k::body_height()
                                     : c.field == "egfr"   ? k::egfr()
                                                           : k::albumin();
    c.unit = trim(scalar(*unit));
    try {
      if (c.unit.empty()) throw UnitError(0, "");
      units::parse_unit(c.unit);
      units::convert("1 " + c.unit, kind);
    } catch (const UnitError&) {
      fail(unit->value, "'" + unit->value.Scalar() + "' is not a unit of " + kind.what + " (" +
                            kind.choices + ")");
    }
  }
  if (values) {
    for (const auto& v : fields(values->value, values->key, "'values'", nullptr)) {
      const std::string to = scalar(v);
      if (c.field == "sex" &&
          std::find(vocab_.sexes.begin(), vocab_.sexes.end(), to) == vocab_.sexes.end())
        fail(v.value, "unknown sex '" + to + "'" + suggestion(to, vocab_.sexes));
      c.values.push_back({trim(v.name), to});
    }
    if (c.values.empty()) fail(values->value, "'values' is empty");
  }
  return c;
}

// ---- CSV ---------------------------------------------------------------------------------------

class CsvReader {
 public:
  CsvReader(const std::string& text, std::string file) : text_(text), file_(std::move(file)) {
    if (text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;  // UTF-8 byte-order mark
  }

  // The next record's fields and the line it starts on; false at the end. Blank lines and lines
  // starting with '#' are skipped.
  bool next(std::vector<std::string>& fields, int& row) {
    fields.clear();
    // Skip blank and comment lines.
    while (pos_ < text_.size()) {
      std::size_t e = text_.find('\n', pos_);
      if (e == std::string::npos) e = text_.size();
      std::size_t b = pos_;
      while (b < e && (text_[b] == ' ' || text_[b] == '\t' || text_[b] == '\r')) ++b;
      if (b == e || text_[pos_] == '#') {
        pos_ = e + 1;
        ++line_;
        continue;
      }
      break;
    }
    if (pos_ >= text_.size()) return false;
    row = line_;
    while (true) {
      if (fields.size() >= lim::max_columns)
        throw ScenarioError(file_, row, static_cast<int>(fields.size()) + 1,
                            "more than " + std::to_string(lim::max_columns) + " fields in a row");
      const int col = static_cast<int>(fields.size()) + 1;
      std::string f;
      std::size_t p = pos_;
      while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
      if (p < text_.size() && text_[p] == '"') {
        ++p;
        while (true) {
          if (p >= text_.size())
            throw ScenarioError(file_, row, col, "a quoted field is never closed (a '\"' is missing)");
          const char c = text_[p];
          if (c == '"') {
            if (p + 1 < text_.size() && text_[p + 1] == '"') {
              f += '"';
              p += 2;
              continue;
            }
            ++p;
            break;
          }
          if (c == '\n') ++line_;
          f += c;
          ++p;
        }
        while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\r')) ++p;
        if (p < text_.size() && text_[p] != ',' && text_[p] != '\n')
          throw ScenarioError(file_, row, col,
                              "unexpected text after the closing quote of a field (write \"\" for a "
                              "quote inside a quoted field)");
      } else {
        std::size_t e = p;
        while (e < text_.size() && text_[e] != ',' && text_[e] != '\n') {
          if (text_[e] == '"')
            throw ScenarioError(file_, row, col,
                                "a '\"' inside an unquoted field; quote the whole field (\"...\") "
                                "and double the quote");
          ++e;
        }
        f = text_.substr(p, e - p);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r')) f.pop_back();
        p = e;
      }
      fields.push_back(std::move(f));
      if (p >= text_.size()) {
        pos_ = p;
        return true;
      }
      if (text_[p] == '\n') {
        pos_ = p + 1;
        ++line_;
        return true;
      }
      pos_ = p + 1;  // past ','
    }
  }

 private:
  const std::string& text_;
  std::string file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

bool missing(const std::string& cell) { return cell.empty() || cell == "."; }

// ---- building a subject -----------------------------------------------------------------------

// Scenario text written line by line, with where each value came from.
class TextBuilder {
 public:
  void put(const std::string& s) {
    for (char c : s) {
      text_ += c;
      if (c == '\n') ++line_, column_ = 1;
      else ++column_;
    }
  }
  void put_from(const std::string& s, const std::string& file, int line, int column) {
    origins_.push_back({line_, column_, file, line, column});
    put(s);
  }
  std::string text_;
  std::vector<TextOrigin> origins_;

 private:
  int line_ = 1, column_ = 1;
};

struct Cell {
  std::string text;
  int row = 0, col = 0;  // col 0: no such column
};

// A dose item's text pieces: key, value, origin.
struct Piece {
  std::string key, value, file;
  int line = 0, column = 0;
};
struct DoseItem {
  CmtKind kind;
  std::vector<Piece> pieces;
  int row = 0, col = 0;  // the row's CMT cell: where the item as a whole came from
};

struct CovariateValue {
  std::string text;  // the scenario value
  std::string cell;  // as written
  int row = 0, col = 0;
  bool set = false, warned = false;
};

struct Base {
  YAML::Node root;
  std::string file;
  double duration_h = 0;
  bool has_duration = false;
  std::vector<double> output_times_h;
};

struct SubjectBuilder {
  std::string id;
  int first_row = 0, last_row = 0;
  double last_time = -1;
  int last_time_row = 0;
  std::vector<Observation> observations;
  std::vector<DoseItem> doses;
  std::size_t dose_count = 0;
  double end_h = 0;            // latest observation or infusion end
  double last_dose_h = -1;     // latest dose time
  std::vector<CovariateValue> covariates;
  std::vector<std::string> warnings;
};

class DatasetReader {
 public:
  DatasetReader(const Mapping& m, const Base* base, std::string csv)
      : m_(m), base_(base), csv_(std::move(csv)) {}

  Dataset read(const std::string& text);

 private:
  [[noreturn]] void fail(const Cell& c, const std::string& message) const {
    throw ScenarioError(csv_, c.row, c.col > 0 ? c.col : 1, message);
  }
  [[noreturn]] void fail_mapping(const Place& p, const std::string& message) const {
    throw ScenarioError(m_.file, p.line, p.column, message);
  }
  Cell cell(const std::vector<std::string>& row, int index, int row_no) const {
    if (index < 0) return {"", row_no, 0};
    return {row[static_cast<std::size_t>(index)], row_no, index + 1};
  }
  // The number in a cell; nullopt when the column is absent or the cell is missing.
  std::optional<double> number(const Cell& c, const std::string& column) const {
    if (c.col == 0 || missing(c.text)) return std::nullopt;
    const std::string t = trim(c.text);
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(v) ||
        t.find_first_of("xXnN") != std::string::npos)
      fail(c, "expected a number in column " + column + ", got '" +
                  ScenarioError::shortened(c.text, 80) + "'");
    return v;
  }
  long whole(const Cell& c, const std::string& column, double v, double lo, double hi) const {
    if (v != std::floor(v) || v < lo || v > hi)
      fail(c, column + " must be a whole number from " + units::shortest_number(lo) + " to " +
                  units::shortest_number(hi) + ", got '" + c.text + "'");
    return static_cast<long>(v);
  }
  std::string time_text(double t) const { return units::shortest_number(t) + " " + m_.time_unit; }
  std::string where(const Cell& c) const { return where_text(csv_, c.row, c.col); }

  void row(const std::vector<std::string>& fields, int row_no);
  void dose_row(const std::vector<std::string>& f, int row_no, const CmtSpec& spec,
                const Cell& cmt, double time, double amt);
  void observation_row(const std::vector<std::string>& f, int row_no, const CmtSpec& spec,
                       const Cell& cmt, double time, double time_h);
  void finish_subject();
  std::string scenario_text(SubjectBuilder& s, DatasetSubject& out) const;

  const Mapping& m_;
  const Base* base_;
  std::string csv_;
  std::map<std::string, int> column_;  // magsim column -> index
  std::vector<int> covariate_column_;
  std::optional<SubjectBuilder> current_;
  std::set<std::string> finished_ids_;
  std::map<std::string, int> id_first_row_;
  Dataset out_;
  std::size_t total_doses_ = 0;
  std::size_t ignored_evid2_ = 0;
  int header_row_ = 0;
  std::vector<std::string> header_;
};

int index_of(const std::map<std::string, int>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? -1 : it->second;
}

Dataset DatasetReader::read(const std::string& text) {
  out_.file = csv_;
  out_.mapping_file = m_.file;
  out_.base_file = m_.base;
  for (const auto& c : m_.cmts)
    if (c.kind == CmtKind::Observe &&
        std::none_of(out_.series_units.begin(), out_.series_units.end(),
                     [&](const auto& s) { return s.first == c.name; }))
      out_.series_units.push_back({c.name, c.series_unit});
  CsvReader csv(text, csv_);
  std::vector<std::string> f;
  int row_no = 0;
  if (!csv.next(f, row_no))
    throw ScenarioError(csv_, 1, 1, "the dataset is empty: it needs a header row (ID,TIME,...) "
                                    "and one row per event");
  header_ = f;
  header_row_ = row_no;
  std::map<std::string, int> by_name;  // upper-case header -> index
  for (std::size_t i = 0; i < f.size(); ++i) {
    const std::string n = upper(trim(f[i]));
    if (n.empty())
      throw ScenarioError(csv_, row_no, static_cast<int>(i) + 1, "empty column name in the header");
    if (by_name.count(n))
      throw ScenarioError(csv_, row_no, static_cast<int>(i) + 1,
                          "column '" + f[i] + "' appears twice in the header (columns are "
                          "matched ignoring case)");
    by_name[n] = static_cast<int>(i);
  }
  std::vector<bool> used(f.size(), false);
  for (const auto& name : kColumns) {
    std::string wanted = name;
    const Place* renamed = nullptr;
    for (const auto& r : m_.renames)
      if (r.first == name) wanted = r.second.first, renamed = &r.second.second;
    const int i = index_of(by_name, upper(wanted));
    if (i < 0 && renamed)
      fail_mapping(*renamed, "the mapping takes " + name + " from column '" + wanted + "', which " +
                                 csv_ + " does not have (its columns: " + join(header_) + ")");
    if (i >= 0) {
      column_[name] = i;
      used[static_cast<std::size_t>(i)] = true;
    }
  }
  const auto require = [&](const std::string& name, const std::string& why) {
    if (!column_.count(name))
      throw ScenarioError(csv_, row_no, 1,
                          "missing required column '" + name + "'" + why + " (the header has: " +
                              join(header_) + "; name another column with 'columns: {" + name +
                              ": ...}' in the mapping)");
  };
  require("ID", "");
  require("TIME", "");
  require("CMT", ": the mapping's 'cmt' says what each CMT value means");
  for (const auto& cov : m_.covariates) {
    const int i = index_of(by_name, upper(cov.column));
    if (i < 0)
      fail_mapping(cov.key, "covariate column '" + cov.column + "' is not in " + csv_ +
                                " (its columns: " + join(header_) + ")");
    if (used[static_cast<std::size_t>(i)])
      fail_mapping(cov.key, "column '" + cov.column + "' is an event column, not a covariate");
    used[static_cast<std::size_t>(i)] = true;
    covariate_column_.push_back(i);
  }
  std::vector<std::string> unused;
  for (std::size_t i = 0; i < f.size(); ++i)
    if (!used[i]) unused.push_back(f[i]);
  if (!unused.empty())
    out_.warnings.push_back(csv_ + ": warning: column" + (unused.size() > 1 ? "s " : " ") +
                            join(unused) + (unused.size() > 1 ? " are" : " is") +
                            " not used (not an event column, and not a covariate of the mapping)");

  std::size_t rows = 0;
  while (csv.next(f, row_no)) {
    if (++rows > lim::max_rows)
      throw ScenarioError(csv_, row_no, 1,
                          "more than " + std::to_string(lim::max_rows) +
                              " data rows; split the dataset");
    if (f.size() != header_.size())
      throw ScenarioError(csv_, row_no,
                          static_cast<int>(std::min(f.size(), header_.size())) + 1,
                          "the row has " + std::to_string(f.size()) + " field" +
                              (f.size() == 1 ? "" : "s") + ", the header " +
                              std::to_string(header_.size()));
    row(f, row_no);
  }
  finish_subject();
  if (out_.subjects.empty())
    throw ScenarioError(csv_, header_row_, 1, "the dataset has a header but no rows");
  if (ignored_evid2_ > 0)
    out_.warnings.push_back(csv_ + ": warning: " + std::to_string(ignored_evid2_) +
                            " row(s) with EVID 2 (other events) ignored");
  return out_;
}

void DatasetReader::row(const std::vector<std::string>& f, int row_no) {
  const auto get = [&](const char* n) { return cell(f, index_of(column_, n), row_no); };
  const Cell id = get("ID");
  const std::string idt = trim(id.text);
  if (missing(idt)) fail(id, "missing ID");
  if (idt.size() > lim::max_id_length)
    fail(id, "an ID is at most " + std::to_string(lim::max_id_length) + " characters long");
  for (unsigned char c : idt)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-'))
      fail(id, "ID '" + ScenarioError::shortened(idt, 80) +
                   "' has a character other than letters, digits, '.', '_' and '-' (an ID names "
                   "the subject's files)");
  if (idt.front() == '.' || idt.front() == '-')
    fail(id, "an ID cannot start with '.' or '-' (it names the subject's files)");
  if (!current_ || current_->id != idt) {
    if (finished_ids_.count(idt))
      fail(id, "rows of ID " + idt + " must be contiguous: ID " + idt + " already appeared from row " +
                   std::to_string(id_first_row_[idt]) + ", and another ID came in between");
    finish_subject();
    current_.emplace();
    current_->id = idt;
    current_->first_row = row_no;
    current_->covariates.resize(m_.covariates.size());
    id_first_row_[idt] = row_no;
  }
  SubjectBuilder& s = *current_;
  s.last_row = row_no;

  const Cell time_cell = get("TIME");
  const auto time = number(time_cell, "TIME");
  if (!time) fail(time_cell, "missing TIME");
  if (*time < 0)
    fail(time_cell, "TIME " + time_cell.text + " is before the start of the run; times are " +
                        "measured from t = 0");
  if (*time < s.last_time)
    fail(time_cell, "TIME " + time_cell.text + " is before the previous row's (" +
                        units::shortest_number(s.last_time) + ", row " +
                        std::to_string(s.last_time_row) + "); rows of an ID must be sorted by TIME");
  s.last_time = *time;
  s.last_time_row = row_no;
  const double time_h = *time * m_.h_per_time_unit;

  // Covariates: the first value of each; a later different one is a warning.
  for (std::size_t k = 0; k < m_.covariates.size(); ++k) {
    const CovariateSpec& spec = m_.covariates[k];
    const Cell c = cell(f, covariate_column_[k], row_no);
    if (missing(trim(c.text))) continue;
    const std::string t = trim(c.text);
    std::string value;
    if (!spec.values.empty()) {
      const auto num = [](const std::string& x) -> std::optional<double> {
        char* end = nullptr;
        const double v = std::strtod(x.c_str(), &end);
        if (x.empty() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
        return v;
      };
      for (const auto& [from, to] : spec.values) {
        const auto a = num(from), b = num(t);
        if (from == t || (a && b && *a == *b)) value = to;
      }
      if (value.empty()) {
        std::vector<std::string> keys;
        for (const auto& v : spec.values) keys.push_back(v.first);
        fail(c, "value '" + ScenarioError::shortened(t, 80) + "' of covariate " + spec.column +
                    " is not in the mapping's 'values' (" + join(keys) + ")");
      }
    } else {
      value = units::shortest_number(*number(c, spec.column)) + " " + spec.unit;
    }
    CovariateValue& cv = s.covariates[k];
    if (!cv.set) {
      cv = {value, t, c.row, c.col, true, false};
    } else if (cv.text != value && !cv.warned) {
      cv.warned = true;
      s.warnings.push_back(where(c) + ": warning: covariate " + spec.column + " of ID " + s.id +
                           " changes to '" + ScenarioError::shortened(t, 80) + "' (first '" + cv.cell +
                           "', row " + std::to_string(cv.row) +
                           "); covariates are constant per subject: the first value is used");
    }
  }

  const Cell amt_cell = get("AMT");
  const auto amt = number(amt_cell, "AMT");
  if (amt && *amt < 0) fail(amt_cell, "AMT cannot be negative, got '" + amt_cell.text + "'");
  const Cell evid_cell = get("EVID");
  const auto evid_v = number(evid_cell, "EVID");
  const long evid = evid_v ? whole(evid_cell, "EVID", *evid_v, 0, 4) : (amt && *amt > 0 ? 1 : 0);
  if (evid == 3 || evid == 4)
    fail(evid_cell, "EVID " + std::to_string(evid) +
                        " (reset) is not supported: give each period as its own ID");
  if (evid == 2) {
    ++ignored_evid2_;
    return;
  }
  const Cell mdv_cell = get("MDV");
  const auto mdv = number(mdv_cell, "MDV");
  if (mdv) whole(mdv_cell, "MDV", *mdv, 0, 1);
  if (evid == 0 && mdv && *mdv == 1) return;  // not an observation

  const Cell cmt_cell = get("CMT");
  const auto cmt_v = number(cmt_cell, "CMT");
  if (!cmt_v)
    fail(cmt_cell, std::string("missing CMT on ") + (evid == 1 ? "a dose" : "an observation") +
                       " row");
  if (*cmt_v != std::floor(*cmt_v) || std::fabs(*cmt_v) > 1e9)
    fail(cmt_cell, "CMT must be a whole number, got '" + cmt_cell.text + "'");
  const CmtSpec* spec = m_.find_cmt(static_cast<long>(*cmt_v));
  if (!spec) {
    std::vector<std::string> known;
    for (const auto& c : m_.cmts) known.push_back(std::to_string(c.number));
    fail(cmt_cell, "unknown CMT " + trim(cmt_cell.text) + ": the mapping's 'cmt' has " + join(known));
  }
  if (evid == 1) {
    if (spec->kind == CmtKind::Observe)
      fail(cmt_cell, "CMT " + trim(cmt_cell.text) + " is " + spec->what() +
                         ", but this is a dose row (EVID 1, or AMT > 0 without EVID)");
    if (!amt)
      fail(amt_cell, amt_cell.col ? "a dose row needs AMT"
                                  : "a dose row (EVID 1) needs AMT, and the dataset has no AMT column");
    dose_row(f, row_no, *spec, cmt_cell, *time, *amt);
  } else {
    if (spec->kind != CmtKind::Observe)
      fail(cmt_cell, "CMT " + trim(cmt_cell.text) + " is " + spec->what() +
                         ", but this is an observation row (EVID 0); a dose row has EVID 1");
    if (amt && *amt != 0)
      fail(amt_cell, "an observation row (EVID 0) has no AMT, got '" + amt_cell.text + "'");
    observation_row(f, row_no, *spec, cmt_cell, *time, time_h);
  }
}

void DatasetReader::dose_row(const std::vector<std::string>& f, int row_no, const CmtSpec& spec,
                             const Cell& cmt, double time, double amt) {
  SubjectBuilder& s = *current_;
  const auto get = [&](const char* n) { return cell(f, index_of(column_, n), row_no); };
  const Cell amt_cell = get("AMT");
  if (!(amt > 0)) fail(amt_cell, "a dose row needs AMT above 0, got '" + amt_cell.text + "'");
  const Cell ss_cell = get("SS");
  if (const auto ss = number(ss_cell, "SS"); ss && *ss != 0)
    fail(ss_cell, "SS " + trim(ss_cell.text) + " (steady state) is not supported yet; give the "
                  "doses before t = 0 in a base scenario, or start the run at the steady state of "
                  "the diet (the default)");
  const Cell addl_cell = get("ADDL"), ii_cell = get("II");
  const auto addl_v = number(addl_cell, "ADDL");
  const auto ii_v = number(ii_cell, "II");
  long addl = 0;
  if (addl_v) {
    if (*addl_v < 0 || *addl_v != std::floor(*addl_v))
      fail(addl_cell, "ADDL must be a whole number of additional doses (0 or more), got '" +
                          addl_cell.text + "'");
    const double room = static_cast<double>(lim::max_doses_per_subject) -
                        static_cast<double>(s.dose_count) - 1;
    if (*addl_v > room)
      fail(addl_cell, "ADDL " + trim(addl_cell.text) + " would give ID " + s.id + " more than " +
                          std::to_string(lim::max_doses_per_subject) +
                          " doses; at most that many per subject (" +
                          std::to_string(s.dose_count) + " before this row)");
    addl = static_cast<long>(*addl_v);
  }
  double ii = 0;
  if (addl > 0) {
    if (!ii_v || !(*ii_v > 0))
      fail(ii_cell.col ? ii_cell : addl_cell,
           "ADDL " + std::to_string(addl) + " additional doses need II, the interval between "
           "doses, above 0");
    ii = *ii_v;
  } else if (ii_v && *ii_v < 0) {
    fail(ii_cell, "II cannot be negative");
  }
  if (total_doses_ + static_cast<std::size_t>(addl) + 1 > lim::max_doses)
    fail(addl_v ? addl_cell : amt_cell,
         "more than " + std::to_string(lim::max_doses) + " doses in the dataset (ADDL expanded)");
  const double last = time + static_cast<double>(addl) * ii;
  if (!(last * m_.h_per_time_unit <= 150 * 8766.0))
    fail(addl_v ? addl_cell : cmt, "the doses reach beyond 150 y after t = 0 (TIME + ADDL x II)");

  // Infusion length from RATE or DUR.
  const Cell rate_cell = get("RATE"), dur_cell = get("DUR");
  const auto rate = number(rate_cell, "RATE");
  const auto dur = number(dur_cell, "DUR");
  double over = 0;
  Cell over_cell;
  if (spec.kind != CmtKind::Infusion) {
    if (rate && *rate != 0)
      fail(rate_cell, "CMT " + trim(cmt.text) + " is " + spec.what() +
                          ": a RATE applies to infusions only");
    if (dur && *dur != 0)
      fail(dur_cell, "CMT " + trim(cmt.text) + " is " + spec.what() +
                         ": a DUR applies to infusions only");
  } else if (rate && *rate == -2) {
    if (dur_cell.col == 0)
      fail(rate_cell, "RATE -2 means the duration is in the DUR column, which the dataset does not have");
    if (!dur || !(*dur > 0)) fail(dur_cell, "RATE -2 needs DUR above 0 (the infusion's duration)");
    over = *dur, over_cell = dur_cell;
  } else if (rate && *rate == -1) {
    fail(rate_cell, "RATE -1 (a rate estimated by the model) is not supported; give RATE or DUR");
  } else if (rate && *rate < 0) {
    fail(rate_cell, "RATE cannot be negative (except -2: duration in DUR), got '" + rate_cell.text + "'");
  } else if (rate && *rate > 0) {
    if (dur && *dur != 0)
      fail(dur_cell, "give RATE or DUR for an infusion, not both (RATE -2 takes the duration from DUR)");
    over = amt / *rate, over_cell = rate_cell;
  } else if (dur) {
    if (*dur < 0) fail(dur_cell, "DUR cannot be negative, got '" + dur_cell.text + "'");
    over = *dur, over_cell = dur_cell;
  }
  if (!(over * m_.h_per_time_unit <= 150 * 8766.0))
    fail(over_cell, "the infusion would last beyond 150 y");

  const std::string amount = units::shortest_number(amt) + " " + spec.amount_unit;
  const std::string amount_key =
      spec.kind == CmtKind::Supplement || spec.kind == CmtKind::Medication
          ? (spec.salt ? "salt_dose" : "dose")
          : (spec.salt ? "salt_amount" : "amount");
  const std::string kind_key = spec.kind == CmtKind::Medication ? "drug" : "form";
  const Piece form{kind_key, yaml_scalar(spec.name), m_.file, spec.key.line, spec.key.column};
  const Piece amount_piece{amount_key, yaml_scalar(amount), csv_, amt_cell.row, amt_cell.col};
  const Cell time_cell = get("TIME");
  if (spec.kind == CmtKind::Infusion) {
    for (long k = 0; k <= addl; ++k) {
      DoseItem d{spec.kind, {form, amount_piece}, cmt.row, cmt.col};
      if (over > 0)
        d.pieces.push_back({"over", yaml_scalar(time_text(over)), csv_, over_cell.row, over_cell.col});
      const Cell& at = k == 0 ? time_cell : addl_cell;
      d.pieces.push_back({"start", yaml_scalar(time_text(time + static_cast<double>(k) * ii)),
                          csv_, at.row, at.col});
      s.doses.push_back(std::move(d));
    }
  } else {
    DoseItem d{spec.kind, {form}, cmt.row, cmt.col};
    if (!spec.route.empty())
      d.pieces.push_back({"route", spec.route, m_.file, spec.key.line, spec.key.column});
    d.pieces.push_back(amount_piece);
    std::string at = "[" + yaml_scalar(time_text(time));
    d.pieces.push_back({"at", at, csv_, time_cell.row, time_cell.col});
    if (addl > 0) {
      std::string rest;
      for (long k = 1; k <= addl; ++k)
        rest += ", " + yaml_scalar(time_text(time + static_cast<double>(k) * ii));
      d.pieces.push_back({"", rest, csv_, addl_cell.row, addl_cell.col});
    }
    d.pieces.push_back({"", "]", csv_, time_cell.row, time_cell.col});
    s.doses.push_back(std::move(d));
  }
  s.dose_count += static_cast<std::size_t>(addl) + 1;
  total_doses_ += static_cast<std::size_t>(addl) + 1;
  s.last_dose_h = std::max(s.last_dose_h, last * m_.h_per_time_unit);
  if (spec.kind == CmtKind::Infusion) s.end_h = std::max(s.end_h, (last + over) * m_.h_per_time_unit);
}

void DatasetReader::observation_row(const std::vector<std::string>& f, int row_no,
                                    const CmtSpec& spec, const Cell& cmt, double time,
                                    double time_h) {
  SubjectBuilder& s = *current_;
  const auto get = [&](const char* n) { return cell(f, index_of(column_, n), row_no); };
  if (s.observations.size() >= lim::max_observations_per_subject)
    fail(cmt, "more than " + std::to_string(lim::max_observations_per_subject) +
                  " observations for ID " + s.id);
  Observation o;
  o.series = spec.name;
  o.time_h = time_h;
  const Cell dv_cell = get("DV"), blq_cell = get("BLQ"), lloq_cell = get("LLOQ");
  const auto blq = number(blq_cell, "BLQ");
  if (blq) whole(blq_cell, "BLQ", *blq, 0, 1);
  o.censored = blq && *blq == 1;
  Cell value_cell = dv_cell;
  std::optional<double> value;
  if (o.censored) {
    value = number(lloq_cell, "LLOQ");
    if (value) value_cell = lloq_cell;
    else value = number(dv_cell, "DV");
    if (!value)
      fail(lloq_cell.col ? lloq_cell : dv_cell,
           "a row below the limit of quantification (BLQ 1) needs the limit, in LLOQ or DV");
    if (!(*value > 0)) fail(value_cell, "a limit of quantification must be above 0");
  } else {
    value = number(dv_cell, "DV");
    if (!value)
      fail(dv_cell, dv_cell.col ? "missing DV on an observation row (set MDV 1 to skip the row)"
                                : "an observation row (EVID 0) needs DV, and the dataset has no DV "
                                  "column (name it with 'columns: {DV: ...}' in the mapping)");
  }
  const units::Element el = scenario_defaults::element();
  o.value = units::convert_value(*value, spec.from, spec.to, &el);
  o.where = where(value_cell);
  if (spec.interval) {
    const Cell dur_cell = get("DUR");
    const auto dur = number(dur_cell, "DUR");
    double window_h = spec.interval_h;
    Cell window_cell = get("TIME");
    if (dur) {
      if (!(*dur > 0)) fail(dur_cell, "a collection window (DUR) must be above 0");
      window_h = *dur * m_.h_per_time_unit;
      window_cell = dur_cell;
    }
    if (!(window_h > 0))
      fail(dur_cell.col ? dur_cell : cmt,
           "CMT " + trim(cmt.text) + " is an interval observation of " + spec.name +
               ": give its window as 'interval' in the mapping or in a DUR column");
    o.start_h = time_h - window_h;
    if (o.start_h < 0)
      fail(window_cell, "the collection window (" +
                            units::format_best(window_h, "h", {"h", "d", "min"}) + " up to TIME " +
                            units::shortest_number(time) + " " + m_.time_unit +
                            ") starts before t = 0");
  }
  s.end_h = std::max(s.end_h, time_h);
  s.observations.push_back(std::move(o));
}


std::string flow(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

void DatasetReader::finish_subject() {
  if (!current_) return;
  SubjectBuilder& s = *current_;
  DatasetSubject out;
  out.id = s.id;
  out.scenario_name = csv_ + "[ID " + s.id + "]";
  out.first_row = s.first_row;
  out.last_row = s.last_row;
  out.doses = s.dose_count;
  out.scenario_yaml = scenario_text(s, out);
  out.observations = std::move(s.observations);
  out.warnings = std::move(s.warnings);
  finished_ids_.insert(s.id);
  out_.subjects.push_back(std::move(out));
  current_.reset();
}

std::string DatasetReader::scenario_text(SubjectBuilder& s, DatasetSubject& out) const {
  // The run covers every observation and infusion; a dose at or after the last of them gets a
  // day after it; a base scenario's longer duration is kept.
  double duration_h = s.end_h;
  if (s.last_dose_h >= 0 && s.last_dose_h >= duration_h) duration_h = s.last_dose_h + 24;
  if (base_ && base_->has_duration) duration_h = std::max(duration_h, base_->duration_h);
  if (!(duration_h > 0)) duration_h = 24;

  std::vector<double> times;
  for (const auto& o : s.observations) {
    times.push_back(o.time_h);
    if (!std::isnan(o.start_h)) times.push_back(o.start_h);
  }
  if (base_) times.insert(times.end(), base_->output_times_h.begin(), base_->output_times_h.end());
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());

  // Top-level keys of the base scenario.
  const auto base_key = [&](const std::string& k) -> std::pair<YAML::Node, YAML::Node> {
    if (base_ && base_->root.IsMap())
      for (auto it = base_->root.begin(); it != base_->root.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == k) return {it->first, it->second};
    return {};
  };
  const auto put_base = [&](TextBuilder& t, const YAML::Node& n, const std::string& text) {
    const Place p = MappingReader::place(n);
    t.put_from(text, base_->file, p.line, p.column);
  };

  TextBuilder t;
  t.origins_.push_back({0, 0, csv_, s.first_row, 1});  // fallback: the subject's first row
  const std::string stem = fs::path(csv_).stem().string();
  t.put("# magsim scenario made from ID " + s.id + " of the dataset " + csv_ + " (rows " +
        std::to_string(s.first_row) + "-" + std::to_string(s.last_row) + "), mapping " + m_.file +
        (base_ ? ", base " + base_->file : std::string()) + "\n");
  t.put("name: " + yaml_scalar(stem + "-" + s.id) + "\n");
  t.put("description: " + yaml_scalar("ID " + s.id + " of " + fs::path(csv_).filename().string()) + "\n");
  t.put("duration: " + units::shortest_number(duration_h) + " h\n");

  const auto [out_key, out_node] = base_key("output");
  std::vector<std::string> parts;
  if (out_node.IsMap() || !times.empty()) {
    t.put("output: {");
    bool first = true;
    if (out_node.IsMap())
      for (auto it = out_node.begin(); it != out_node.end(); ++it) {
        if (!it->first.IsScalar() || it->first.Scalar() == "times") continue;
        t.put(std::string(first ? "" : ", ") + it->first.Scalar() + ": ");
        put_base(t, it->second, flow(it->second));
        first = false;
      }
    if (!times.empty()) {
      t.put(std::string(first ? "" : ", ") + "times: [");
      for (std::size_t i = 0; i < times.size(); ++i)
        t.put((i ? ", " : "") + units::shortest_number(times[i]) + " h");
      t.put("]");
    }
    t.put("}\n");
  }

  // subject: the base's fields, then (replacing them) the covariates.
  std::vector<std::pair<YAML::Node, YAML::Node>> base_subject;
  if (const auto [k, v] = base_key("subject"); v.IsMap())
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      const bool replaced = std::any_of(
          m_.covariates.begin(), m_.covariates.end(), [&](const CovariateSpec& c) {
            return c.field == name && s.covariates[static_cast<std::size_t>(&c - m_.covariates.data())].set;
          });
      if (!replaced) base_subject.push_back({it->first, it->second});
    }
  const bool any_cov = std::any_of(s.covariates.begin(), s.covariates.end(),
                                   [](const CovariateValue& c) { return c.set; });
  if (!base_subject.empty() || any_cov) {
    t.put("subject:\n");
    for (const auto& [k, v] : base_subject) {
      t.put("  " + k.Scalar() + ": ");
      put_base(t, v, flow(v));
      t.put("\n");
    }
    for (std::size_t i = 0; i < m_.covariates.size(); ++i) {
      const CovariateValue& c = s.covariates[i];
      if (!c.set) continue;
      t.put("  " + m_.covariates[i].field + ": ");
      t.put_from(yaml_scalar(c.text), csv_, c.row, c.col);
      t.put("\n");
    }
  }
  for (const char* k : {"diet", "parameters", "initial", "solver"}) {
    const auto [key, v] = base_key(k);
    if (!key.IsDefined() || v.IsNull()) continue;
    t.put(std::string(k) + ": ");
    put_base(t, v, flow(v));
    t.put("\n");
  }
  const std::pair<const char*, CmtKind> lists[] = {{"supplements", CmtKind::Supplement},
                                                   {"infusions", CmtKind::Infusion},
                                                   {"injections", CmtKind::Injection},
                                                   {"medications", CmtKind::Medication}};
  for (const auto& [k, kind] : lists) {
    const auto [key, v] = base_key(k);
    const bool from_data = std::any_of(s.doses.begin(), s.doses.end(),
                                       [&, kind = kind](const DoseItem& d) { return d.kind == kind; });
    if (!v.IsSequence() && !from_data) continue;
    t.put(std::string(k) + ":\n");
    if (v.IsSequence())
      for (auto it = v.begin(); it != v.end(); ++it) {
        t.put("  - ");
        put_base(t, *it, flow(*it));
        t.put("\n");
      }
    for (const auto& d : s.doses) {
      if (d.kind != kind) continue;
      t.put("  - ");
      t.put_from("{", csv_, d.row, d.col);
      bool first = true;
      for (const auto& p : d.pieces) {
        if (!p.key.empty()) {
          t.put(std::string(first ? "" : ", ") + p.key + ": ");
          first = false;
        }
        t.put_from(p.value, p.file, p.line, p.column);
      }
      t.put("}\n");
    }
  }
  out.origins = std::move(t.origins_);
  return std::move(t.text_);
}

const TextOrigin* origin_of(const DatasetSubject& s, int line, int column) {
  // The piece the column falls in; before the first piece of the line, that piece; a line
  // without pieces: the subject's first row.
  const TextOrigin* best = nullptr;
  const TextOrigin* first_on_line = nullptr;
  for (const auto& o : s.origins) {
    if (o.line != line) continue;
    if (!first_on_line) first_on_line = &o;
    if (o.column <= column) best = &o;
  }
  if (!best) best = first_on_line;
  if (!best && !s.origins.empty() && s.origins.front().line == 0) best = &s.origins.front();
  return best;
}

}  // namespace

Dataset read_dataset(const std::string& mapping_path, const std::string& csv_path_or_empty,
                     const ModelInfo& info, const Vocabulary& vocabulary) {
  std::string text;
  try {
    text = read_input_file(mapping_path);
  } catch (const InputFileError& e) {
    throw ScenarioError(mapping_path, 1, 1, std::string("cannot read dataset mapping: ") + e.what());
  }
  const YAML::Node root = load_yaml_text(text, mapping_path);
  Mapping m;
  try {
    m = MappingReader(mapping_path, info, vocabulary).read(root);
  } catch (const YAML::Exception& e) {
    const bool known = !e.mark.is_null() && e.mark.line >= 0;
    throw ScenarioError(mapping_path, known ? e.mark.line + 1 : 1, known ? e.mark.column + 1 : 1, e.msg);
  }
  const std::string csv = csv_path_or_empty.empty() ? m.dataset : csv_path_or_empty;
  if (csv.empty())
    throw ScenarioError(mapping_path, 1, 1,
                        "no dataset: give 'dataset: FILE.csv' in the mapping, or the CSV file "
                        "after the mapping on the command line");
  std::optional<Base> base;
  if (!m.base.empty()) {
    std::string base_text;
    try {
      base_text = read_input_file(m.base);
    } catch (const InputFileError& e) {
      throw ScenarioError(mapping_path, m.base_place.line, m.base_place.column,
                          "cannot read base scenario '" + m.base + "': " + e.what());
    }
    base.emplace();
    base->file = m.base;
    base->root = load_yaml_text(base_text, m.base);
    if (base->root.IsMap())
      for (auto it = base->root.begin(); it != base->root.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == "duration") base->has_duration = true;
    // Checked on its own first, so that its mistakes point into it; without a duration of its
    // own it is checked as if it ran for the longest possible time.
    const Scenario parsed = parse_scenario_text(
        base_text, m.base, vocabulary,
        base->has_duration ? std::vector<std::string>{} : std::vector<std::string>{"duration=150 y"});
    base->duration_h = parsed.duration_h;
    base->output_times_h = parsed.output.times_h;
  }
  std::string csv_text;
  try {
    csv_text = read_input_file(csv);
  } catch (const InputFileError& e) {
    throw ScenarioError(csv, 1, 1, std::string("cannot read dataset: ") + e.what());
  }
  DatasetReader reader(m, base ? &*base : nullptr, csv);
  return reader.read(csv_text);
}

ScenarioError locate_in_dataset(const DatasetSubject& subject, const ScenarioError& e) {
  if (e.file() != subject.scenario_name) return e;
  const TextOrigin* o = origin_of(subject, e.line(), e.column());
  if (!o) return e;
  return ScenarioError(o->file, o->file_line, o->file_column,
                       std::string(e.what()) + " (in the scenario made for ID " + subject.id + ")");
}

Diagnostic locate_in_dataset(const DatasetSubject& subject, const Diagnostic& d) {
  if (d.file != subject.scenario_name) return d;
  Diagnostic out = d;
  out.message += " (ID " + subject.id + ")";
  if (const TextOrigin* o = origin_of(subject, d.line, d.column)) {
    out.file = o->file;
    out.line = o->file_line;
    out.column = o->file_column;
  }
  return out;
}

}  // namespace magsim::engine::fit
