#include "engine/io/csv_writer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "engine/io/atomic_file.hpp"
#include "engine/version_info.hpp"

namespace magsim::engine::io {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string shortest_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

namespace {
// A "# key: value" line; a value of several lines becomes one comment line each.
std::string comment(const std::string& key, const std::string& value) {
  std::string out;
  std::size_t start = 0;
  do {
    const std::size_t nl = value.find('\n', start);
    out += "# " + key + ": " + value.substr(start, nl == std::string::npos ? nl : nl - start) + "\n";
    start = nl == std::string::npos ? nl : nl + 1;
  } while (start != std::string::npos && start < value.size());
  return out;
}

std::string with_unit(double value, const std::string& unit) {
  return shortest_number(value) + (unit.empty() || unit == "1" ? "" : " " + unit);
}
}  // namespace

struct CsvRunWriter::Impl {
  AtomicTextFile file;
  RunMetadata meta;
  std::vector<RunSeries> series;
  // The trailing comment block, by name so that a repeated attribute replaces the earlier one.
  std::vector<std::pair<std::string, std::string>> notes;
  std::string parameters;  // "# parameter NAME: VALUE UNIT" lines
  std::string row;
  bool begun = false, committed = false;
  bool flag_column = false;  // the envelope method's "reconstructed" column
  const char* flag = ",0";

  Impl(std::string path, RunMetadata m) : file(std::move(path), "output"), meta(std::move(m)) {}

  void note(const std::string& key, const std::string& value) {
    for (auto& n : notes)
      if (n.first == key) {
        n.second = value;
        return;
      }
    notes.emplace_back(key, value);
  }
  void live(const char* what) const {
    if (committed)
      throw std::logic_error(std::string("CsvRunWriter::") + what + " after commit() of '" +
                             file.path() + "'");
  }
};

CsvRunWriter::CsvRunWriter(std::string path, RunMetadata metadata)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(metadata))) {
  RunMetadata& m = impl_->meta;
  if (m.magsim_version.empty()) m.magsim_version = kVersion;
  if (m.git_revision.empty()) m.git_revision = kGitRevision;
  impl_->note("magsim_version", m.magsim_version);
  impl_->note("git_revision", m.git_revision);
  impl_->note("model", m.model_name);
  impl_->note("model_version", m.model_version);
  impl_->note("scenario_file", m.scenario_file);
  impl_->note("solver_method", m.solver_method);
  impl_->note("rtol", shortest_number(m.rtol));
  impl_->note("atol", shortest_number(m.atol));
  impl_->note("max_step", with_unit(m.max_step_h, "h"));
}

CsvRunWriter::~CsvRunWriter() = default;

void CsvRunWriter::begin(const ModelInfo& info) {
  Impl& im = *impl_;
  im.live("begin()");
  if (im.begun) throw std::logic_error("CsvRunWriter::begin() called twice for '" + path() + "'");
  im.series = select_run_series(info, im.meta.variables);
  if (im.meta.model_name.empty()) im.note("model", info.name);
  if (im.meta.model_version.empty()) im.note("model_version", info.version);
  std::string names = "time", units = "h";
  for (const auto& s : im.series) {
    if (s.name == "time")
      throw std::invalid_argument("an output may not be called 'time': it is the time column");
    names += "," + csv_field(s.name);
    units += "," + csv_field(s.unit);
  }
  im.flag_column = im.meta.solver_method == "envelope";
  if (im.flag_column) {
    names += ",reconstructed";
    units += ",1";
  }
  im.file.write(names + "\n" + units + "\n");
  im.begun = true;
}

void CsvRunWriter::sample(double t_h, const double* outputs, const double* state) {
  Impl& im = *impl_;
  if (!im.begun || im.committed)
    throw std::logic_error("CsvRunWriter::sample() outside begin()..commit()");
  im.row = shortest_number(t_h);
  for (const auto& s : im.series) {
    im.row += ',';
    im.row += shortest_number(s.from_state ? state[s.index] : outputs[s.index]);
  }
  if (im.flag_column) im.row += im.flag;
  im.row += '\n';
  im.file.write(im.row);
}

void CsvRunWriter::sample_reconstructed(double t_h, const double* outputs, const double* state) {
  impl_->flag = ",1";
  sample(t_h, outputs, state);
  impl_->flag = ",0";
}

void CsvRunWriter::end() {}

void CsvRunWriter::write_parameters(const std::vector<ParameterInfo>& info,
                                    const std::vector<double>& values) {
  impl_->live("write_parameters()");
  if (info.size() != values.size())
    throw std::invalid_argument("write_parameters: " + std::to_string(info.size()) +
                                " parameters but " + std::to_string(values.size()) + " values");
  std::string lines;
  for (std::size_t i = 0; i < info.size(); ++i)
    lines += comment("parameter " + info[i].name, with_unit(values[i], info[i].unit));
  impl_->parameters = std::move(lines);
}

void CsvRunWriter::write_events(const EventSource& each) {
  impl_->live("write_events()");
  std::size_t count = 0;
  each([&](const EventRecord&) { ++count; });
  impl_->note("events", std::to_string(count) + " (the schedule is kept in .h5 and .nc outputs)");
}

void CsvRunWriter::set_attribute(const std::string& name, double value, const std::string& unit) {
  impl_->live("set_attribute()");
  impl_->note(name, with_unit(value, unit));
}

void CsvRunWriter::set_attribute(const std::string& name, const std::string& value) {
  impl_->live("set_attribute()");
  impl_->note(name, value);
}

void CsvRunWriter::commit() {
  Impl& im = *impl_;
  im.live("commit()");
  if (!im.begun) throw std::logic_error("CsvRunWriter::commit() before begin() of '" + path() + "'");
  std::string tail;
  for (const auto& [key, value] : im.notes)
    if (!value.empty()) tail += comment(key, value);
  im.file.write(tail + im.parameters);
  im.file.commit();
  im.committed = true;
}

const std::string& CsvRunWriter::path() const { return impl_->file.path(); }
const std::string& CsvRunWriter::temporary_path() const { return impl_->file.temporary_path(); }

}  // namespace magsim::engine::io
