// magsim dataset check|to-scenarios: an event dataset (NONMEM/mrgsolve CSV plus a mapping file)
// read into one scenario and a list of observations per subject.
#include <filesystem>
#include <iostream>
#include <map>
#include <system_error>

#include "app/dataset_loading.hpp"
#include "cli/commands.hpp"
#include "app/model.hpp"

namespace magsim::cli {
namespace {

namespace fs = std::filesystem;

const char* kDatasetUsage =
    "usage: magsim dataset check MAPPING.yaml [DATA.csv]\n"
    "       magsim dataset check DATA.csv --map MAPPING.yaml\n"
    "       magsim dataset to-scenarios MAPPING.yaml [DATA.csv] -o DIR   (or DATA.csv --map MAPPING.yaml)\n"
    "\n"
    "Read an event dataset: a CSV with one row per event (NONMEM/mrgsolve columns ID, TIME,\n"
    "EVID, AMT, RATE or DUR, II, ADDL, SS, CMT, DV, MDV, BLQ, LLOQ, plus covariates) and a\n"
    "mapping file (YAML) that gives the unit of TIME, what each CMT value means (a supplement,\n"
    "infusion, injection or medication with the unit of AMT, or an observed output series with\n"
    "the unit of DV) and which columns are subject covariates. DATA.csv, when given, replaces\n"
    "the mapping's 'dataset:'. Each ID becomes a scenario that `magsim check` accepts.\n"
    "\n"
    "  check          print the subjects, their doses and observations per series, and every\n"
    "                 warning; mistakes print as FILE:ROW:COL: error: (ROW the line of the CSV,\n"
    "                 COL the field number) or FILE:LINE:COL: error: in the mapping; exit 2\n"
    "  to-scenarios   also write DIR/ID.yaml (the scenario) and DIR/ID.observations.csv\n"
    "                 (series,time_h,start_h,value,unit,censored,where) for every ID\n"
    "  -o DIR         the directory to write into (created if absent; existing files of the\n"
    "                 same names are replaced, anything but a regular file is refused)\n"
    "\n"
    "The format: docs/fitting.md, \"Event datasets\".\n";

int usage_error(const std::string& message) {
  std::cerr << "magsim dataset: error: " << message << "\n" << kDatasetUsage;
  return kBadInput;
}

void print_summary(const app::LoadedDataset& loaded) {
  const auto& d = loaded.dataset;
  std::size_t doses = 0, observations = 0;
  std::map<std::string, std::size_t> per_series;
  for (const auto& s : d.subjects) {
    doses += s.doses;
    observations += s.observations.size();
    for (const auto& o : s.observations) ++per_series[o.series];
  }
  std::cout << d.file << " (mapping " << d.mapping_file << "): " << d.subjects.size()
            << (d.subjects.size() == 1 ? " subject, " : " subjects, ") << doses
            << (doses == 1 ? " dose, " : " doses, ") << observations
            << (observations == 1 ? " observation\n" : " observations\n");
  for (const auto& [series, unit] : d.series_units)
    std::cout << "  " << series << " (" << unit << "): " << per_series[series]
              << " observation" << (per_series[series] == 1 ? "" : "s") << "\n";
  for (const auto& s : d.subjects) {
    std::map<std::string, std::size_t> counts;
    std::size_t censored = 0;
    for (const auto& o : s.observations) {
      ++counts[o.series];
      censored += o.censored;
    }
    std::cout << "ID " << s.id << " (rows " << s.first_row << "-" << s.last_row << "): " << s.doses
              << (s.doses == 1 ? " dose" : " doses");
    for (const auto& [series, unit] : d.series_units)
      if (counts[series]) std::cout << ", " << series << " " << counts[series];
    if (censored) std::cout << " (" << censored << " below LLOQ)";
    std::cout << "\n";
  }
}

}  // namespace

int dataset_command(const Args& args) {
  if (wants_help(args, kDatasetUsage)) return kOk;
  if (args.empty()) return usage_error("give check or to-scenarios");
  const std::string sub = args.front();
  if (sub != "check" && sub != "to-scenarios")
    return usage_error("unknown subcommand '" + sub + "'; expected check or to-scenarios");
  std::string mapping, csv, dir, map_option;
  std::vector<std::string> positional;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--map") {
      if (i + 1 >= args.size()) return usage_error("--map needs the mapping file");
      map_option = args[++i];
    } else if ((a == "-o" || a == "--output") && sub == "to-scenarios") {
      if (i + 1 >= args.size()) return usage_error("-o needs a directory");
      dir = args[++i];
    } else if (!a.empty() && a[0] != '-' && positional.size() < 2) {
      positional.push_back(a);
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (!map_option.empty()) {
    // DATA.csv --map MAPPING.yaml: the data file is the one positional argument.
    if (positional.size() > 1) return usage_error("with --map, give one data file");
    mapping = map_option;
    if (!positional.empty()) csv = positional[0];
  } else {
    if (!positional.empty()) mapping = positional[0];
    if (positional.size() > 1) csv = positional[1];
  }
  if (mapping.empty()) return usage_error("no mapping file given");
  if (sub == "to-scenarios" && dir.empty()) return usage_error("to-scenarios needs -o DIR");

  app::LoadedDataset loaded;
  try {
    loaded = app::load_dataset(mapping, csv);
  } catch (const app::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  }
  for (const auto& w : loaded.warnings) std::cerr << w << "\n";
  print_summary(loaded);
  if (sub == "check") {
    std::cerr << loaded.dataset.file << ": ok, " << loaded.warnings.size()
              << (loaded.warnings.size() == 1 ? " warning\n" : " warnings\n");
    return kOk;
  }

  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) {
    fs::create_directory(dir, ec);
    if (ec) {
      std::cerr << "magsim dataset: error: cannot create directory '" << dir << "': "
                << ec.message() << "\n";
      return kFailure;
    }
  } else if (!fs::is_directory(dir, ec)) {
    std::cerr << "magsim dataset: error: '" << dir << "' is not a directory\n";
    return kFailure;
  }
  const auto& d = loaded.dataset;
  for (const auto& s : d.subjects) {
    const std::string base = (fs::path(dir) / s.id).string();
    app::write_text_file(base + ".yaml", s.scenario_yaml, "scenario");
    app::write_text_file(base + ".observations.csv", app::observations_csv(d, s), "observations");
  }
  std::cerr << "wrote " << d.subjects.size() << " scenario" << (d.subjects.size() == 1 ? "" : "s")
            << " and observation file" << (d.subjects.size() == 1 ? "" : "s") << " to " << dir
            << "\n";
  return kOk;
}

}  // namespace magsim::cli
