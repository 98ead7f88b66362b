#include "app/validation.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "app/model.hpp"
#include "app/text_output.hpp"

namespace magsim::app {

namespace fs = std::filesystem;
namespace val = engine::validation;

int ValidationSuite::passed() const {
  int n = 0;
  for (const auto& c : results) n += c.pass() ? 1 : 0;
  return n;
}

std::vector<val::TableRow> ValidationSuite::table_rows() const { return val::table_rows(results); }

std::vector<val::CaseSpec> read_validation_cases(const std::string& cases_dir,
                                                 const std::vector<std::string>& wanted) {
  // Every file is parsed first: a bad one stops the suite before anything runs.
  std::vector<val::CaseSpec> specs;
  for (const auto& path : val::list_case_files(cases_dir)) specs.push_back(val::parse_case_file(path));
  for (size_t i = 0; i < specs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (specs[i].id == specs[j].id)
        throw ScenarioError(specs[i].file, 1, 1,
                            "case id '" + specs[i].id + "' is also used by " + specs[j].file);
  if (!wanted.empty()) {
    std::vector<val::CaseSpec> chosen;
    auto has_id = [](const std::string& id) {
      return [&id](const val::CaseSpec& s) { return s.id == id; };
    };
    for (const auto& id : wanted) {
      const auto it = std::find_if(specs.begin(), specs.end(), has_id(id));
      if (it == specs.end()) throw std::invalid_argument("no case '" + id + "' in " + cases_dir);
      if (std::none_of(chosen.begin(), chosen.end(), has_id(id))) chosen.push_back(*it);
    }
    specs = std::move(chosen);
  }
  if (specs.empty()) throw std::invalid_argument("no case files (*.yaml) in " + cases_dir);
  return specs;
}

std::unique_ptr<ValidationSuite> run_validation(
    std::vector<val::CaseSpec> specs, int threads,
    const std::function<void(std::size_t, std::size_t)>& on_start) {
  auto suite = std::make_unique<ValidationSuite>();
  suite->specs = std::move(specs);
  const val::ModelBinding binding{&model(), &vocabulary(),
                                  [](const engine::Scenario& s) { return make_problem(s); }};
  std::vector<size_t> first_run;  // index of each case's first run in `prepared`
  for (const auto& spec : suite->specs) {
    first_run.push_back(suite->prepared.size());
    auto runs = val::prepare_runs(spec, binding);
    suite->prepared.insert(suite->prepared.end(), std::make_move_iterator(runs.begin()),
                           std::make_move_iterator(runs.end()));
  }
  first_run.push_back(suite->prepared.size());
  if (on_start) on_start(suite->specs.size(), suite->prepared.size());
  suite->data = val::simulate_runs(model(), suite->prepared, threads);

  val::SuiteFacts& facts = suite->facts;
  facts.runs = static_cast<int>(suite->data.size());
  for (size_t i = 0; i < suite->data.size(); ++i) {
    const val::RunData& d = suite->data[i];
    if (d.error.empty() && d.mass_balance_relative_error >= facts.worst_mass_balance) {
      facts.worst_mass_balance = d.mass_balance_relative_error;
      facts.worst_run = suite->prepared[i].case_id + "/" + suite->prepared[i].name;
    }
  }
  for (size_t c = 0; c < suite->specs.size(); ++c) {
    val::CaseResult result;
    result.spec = &suite->specs[c];
    for (size_t i = first_run[c]; i < first_run[c + 1]; ++i)
      result.runs[suite->data[i].name] = &suite->data[i];
    result.quantities = val::evaluate_case(suite->specs[c], model().info(), result.runs, facts);
    suite->results.push_back(std::move(result));
  }
  return suite;
}

namespace {

// What the report says about this build, the date and the known limits beside the case files.
val::ReportContext report_context(const std::string& cases_dir, const std::string& cases_label) {
  val::ReportContext ctx;
  const auto& info = model().info();
  ctx.magsim_version = version();
  ctx.git_revision = git_revision();
  ctx.model_name = info.name;
  ctx.model_version = info.version;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &utc);
  ctx.date = buf;
  ctx.cases_dir = cases_label;
  std::ifstream in(fs::path(cases_dir) / "known_limits.md", std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    ctx.known_limits = text.str();
    ctx.has_known_limits = true;
  }
  return ctx;
}

}  // namespace

void write_validation_report(const ValidationSuite& suite, const std::string& dir,
                             const std::string& cases_dir, const std::string& cases_label) {
  const fs::path out(dir);
  fs::create_directories(out / "data");
  for (const auto& c : suite.results)
    write_text_file((out / "data" / (c.spec->id + ".json")).string(),
                    val::case_json(c, model().info()), "report data");
  write_text_file((out / "validation.md").string(),
                  val::markdown_report(suite.results, suite.facts,
                                       report_context(cases_dir, cases_label)),
                  "report");
}

}  // namespace magsim::app
