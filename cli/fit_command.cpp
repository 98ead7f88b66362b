// magsim fit / magsim profile: estimate parameters from a fit file (app/fit.hpp), print the
// estimates, write the fit file (HDF5), the forecast scenarios and, on request, a report.
#include <csignal>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "app/fit.hpp"
#include "app/run_output.hpp"
#include "cli/commands.hpp"
#include "cli/source_tree.hpp"
#include "app/model.hpp"
#include "app/text_output.hpp"

namespace magsim::cli {
namespace {

const char* kFitUsage =
    "usage: magsim fit FIT.yaml [-o OUT.h5] [--report DIR] [--threads N] [--multistart N]\n"
    "                  [--profile [NAME,...]] [--quiet]\n"
    "\n"
    "Estimate model parameters from observations: each subject by MAP-Bayes with the reference\n"
    "population's between-subject variability as the prior (method: map), or parameters shared\n"
    "by all subjects by maximum likelihood (method: pooled). The fit file names the data (a\n"
    "scenario and its observations, or an event dataset), the parameters (by `magsim params`\n"
    "name, with transform, bounds, prior) and the residual error model of each observed series;\n"
    "docs/fitting.md describes it.\n"
    "\n"
    "Prints the estimates with units, standard errors and 95 % intervals; writes OUT.h5 (default:\n"
    "the fit file's path with .h5) and OUT.ID.yaml per subject, the subject's scenario with the\n"
    "estimates as `parameters:` overrides, to forecast from with `magsim run`.\n"
    "\n"
    "  -o, --output OUT.h5   where to write the fit file\n"
    "  --report DIR          also write DIR/fit.md and its figures (tools/plot_fit.py, needs\n"
    "                        /usr/bin/python3 with matplotlib and h5py)\n"
    "  --threads N           subjects simulated (pooled) or fitted (map) at once (default 1)\n"
    "  --multistart N        N starts: the given one, then random ones (default: the file's)\n"
    "  --profile [NAMES]     profile-likelihood 95 % intervals of every estimated parameter, or\n"
    "                        of NAME,NAME,...; flags a parameter the data cannot identify\n"
    "  -q, --quiet           print only the estimates\n"
    "\n"
    "exit codes: 0 converged, 1 did not converge or could not write, 2 bad input, 3 the model\n"
    "could not be simulated at the start\n";

const char* kProfileUsage =
    "usage: magsim profile FIT.yaml [--parameter NAME]... [-o OUT.h5] [--report DIR]\n"
    "                      [--threads N] [--quiet]\n"
    "\n"
    "Fit (as `magsim fit`), then profile the likelihood of each estimated parameter (or of each\n"
    "--parameter): the parameter is stepped away from its estimate and the others re-estimated\n"
    "until the objective rises by 3.84 (the 95 % point of chi-square with 1 degree of freedom).\n"
    "Prints the profile-likelihood 95 % interval of each; a side where the objective never rises\n"
    "that far is open, and the parameter is reported as not identifiable from these data.\n"
    "Writes the same files as `magsim fit`, with the profiles.\n";

std::atomic<bool> g_cancel{false};
extern "C" void on_fit_signal(int) { g_cancel.store(true); }

std::string num(double v, int digits = 4) {
  if (std::isnan(v)) return "-";
  std::ostringstream o;
  o << std::setprecision(digits) << v;
  return o.str();
}

void print_estimates(const app::FitSession& s, std::ostream& out) {
  for (const auto& est : s.estimations) {
    const auto& r = est.result;
    if (s.definition.method == "map" || s.estimations.size() > 1)
      out << "subject " << s.subjects[static_cast<size_t>(est.subjects.front())].id << ":\n";
    out << "  " << std::left << std::setw(34) << "parameter" << std::setw(12) << "estimate" << std::setw(14)
        << "unit" << std::setw(10) << "RSE %" << std::setw(24) << "95 % CI (Wald)" << "95 % CI (profile)\n";
    for (size_t j = 0; j < s.spec.parameters.size(); ++j) {
      const auto& p = s.spec.parameters[j];
      std::string prof = "";
      for (const auto& pr : est.profiles)
        if (pr.parameter == static_cast<int>(j))
          prof = (std::isnan(pr.lower) ? std::string("open") : num(pr.lower)) + " - " +
                 (std::isnan(pr.upper) ? std::string("open") : num(pr.upper)) +
                 (pr.identifiable ? "" : "  NOT IDENTIFIABLE");
      out << "  " << std::left << std::setw(34) << p.name << std::setw(12) << num(r.estimate[j])
          << std::setw(14) << (p.unit == "1" ? "" : p.unit) << std::setw(10)
          << num(r.se[j] / std::abs(r.estimate[j]) * 100, 3) << std::setw(24)
          << (num(r.ci_lower[j]) + " - " + num(r.ci_upper[j])) << prof
          << (r.at_bound[j] ? "  (on a bound)" : "") << "\n";
    }
    out << "  OFV " << std::setprecision(10) << r.ofv << ", " << (r.converged ? "converged" : "NOT CONVERGED")
        << " (" << r.message << "), " << r.iterations << " iterations, " << r.simulations << " simulations, "
        << num(r.wall_seconds, 3) << " s\n";
    for (const auto& p : r.predictions) {
      if (std::abs(p.weighted_residual) <= 4) continue;
      const auto& subj = s.subjects[static_cast<size_t>(est.subjects[static_cast<size_t>(p.subject)])];
      const auto& o = subj.observations[static_cast<size_t>(p.observation)];
      out << "  warning: " << o.where << ": " << o.series << " observed " << num(o.value) << ", predicted "
          << num(p.predicted) << ": " << num(std::abs(p.weighted_residual), 2)
          << " residual SDs apart; the model (or the error model) does not explain it\n";
    }
    for (const auto& pr : est.profiles)
      if (!pr.identifiable)
        out << "  warning: " << s.spec.parameters[static_cast<size_t>(pr.parameter)].name << " is "
            << pr.note << "\n";
  }
}

int fit_or_profile(const Args& args, bool profile_command) {
  const char* usage = profile_command ? kProfileUsage : kFitUsage;
  const char* name = profile_command ? "magsim profile" : "magsim fit";
  if (wants_help(args, usage)) return kOk;
  std::string fit_path, output_path, report_dir;
  app::FitOptions options;
  bool quiet = false, profile = profile_command;
  std::vector<std::string> profile_names;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(what) + " needs a value");
      return args[++i];
    };
    auto count = [&](const char* what) {
      const std::string v = value(what);
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 4 || std::stoi(v) < 1)
        throw std::invalid_argument(std::string(what) + " needs a whole number from 1 to 9999, got '" + v + "'");
      return std::stoi(v);
    };
    auto names = [&](const std::string& list) {
      std::stringstream ss(list);
      for (std::string n; std::getline(ss, n, ',');)
        if (!n.empty()) profile_names.push_back(n);
    };
    try {
      if (a == "-o" || a == "--output") {
        output_path = value("-o");
      } else if (a == "--report") {
        report_dir = value("--report");
      } else if (a == "--threads") {
        options.threads = count("--threads");
      } else if (a == "--multistart" && !profile_command) {
        options.multistart = count("--multistart");
      } else if (a == "--profile" && !profile_command) {
        profile = true;
        if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-' &&
            args[i + 1].find(".yaml") == std::string::npos && args[i + 1].find(".yml") == std::string::npos)
          names(args[++i]);
      } else if (a == "--parameter" && profile_command) {
        names(value("--parameter"));
      } else if (a == "-q" || a == "--quiet") {
        quiet = true;
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option '" + a + "'");
      } else if (fit_path.empty()) {
        fit_path = a;
      } else {
        throw std::invalid_argument("unexpected argument '" + a + "'");
      }
    } catch (const std::invalid_argument& e) {
      std::cerr << name << ": error: " << e.what() << "\n" << usage;
      return kBadInput;
    }
  }
  if (fit_path.empty()) {
    std::cerr << name << ": error: no fit file given\n" << usage;
    return kBadInput;
  }
  if (output_path.empty()) output_path = default_output_path(fit_path);
  if (!app::input_at_output_path(output_path, {fit_path}).empty()) {
    std::cerr << name << ": error: the output " << output_path << " is the fit file itself; give another -o\n";
    return kBadInput;
  }
  app::FitSession session;
  try {
    session = app::load_fit(fit_path);
  } catch (const app::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  }
  // OUT.ID.yaml must not replace the fit file or its scenario (fit.yaml fitting fit.patient.yaml
  // wrote fit.patient.yaml over it), nor -o the dataset.
  if (const std::string clash = app::fit_output_onto_input(session, output_path); !clash.empty()) {
    std::cerr << name << ": error: the output " << clash << ", an input of the fit; give another -o\n";
    return kBadInput;
  }
  // An output that can never be written (a missing directory, a directory, a device) is refused
  // before the fit, not after it.
  try {
    app::check_output_path(output_path, "fit file");
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return kFailure;
  }
  if (!quiet) {
    std::cerr << name << ": " << session.subjects.size() << (session.subjects.size() == 1 ? " subject, " : " subjects, ")
              << session.spec.parameters.size() << " parameters, method " << session.definition.method << "\n";
    options.progress = [](const std::string& line) { std::cerr << "  " << line << "\n"; };
  }
  std::signal(SIGINT, on_fit_signal);
  std::signal(SIGTERM, on_fit_signal);
  options.cancel = &g_cancel;
  try {
    app::run_fit(session, options);
    if (profile) app::run_profiles(session, profile_names, options);
  } catch (const app::ScenarioError& e) {
    std::cerr << e.formatted() << "\n";
    return kBadInput;
  } catch (const app::SimulationError& e) {
    if (g_cancel.load()) {
      std::cerr << name << ": interrupted; nothing was written\n";
      return kFailure;
    }
    std::cerr << fit_path << ": error: " << e.what() << "\n";
    return kNumericalFailure;
  }
  print_estimates(session, std::cout);
  app::FitFiles files;
  try {
    files = app::write_fit_outputs(session, output_path, report_dir);
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return kFailure;
  }
  if (!report_dir.empty()) {
    const auto script = find_in_source("tools/plot_fit.py");
    if (script.empty() || !run_python_script(script, {files.h5, report_dir})) {
      std::cerr << name << ": error: drawing the report's figures failed (" << python_interpreter()
                << " tools/plot_fit.py " << files.h5 << " " << report_dir << ")\n";
      return kFailure;
    }
  }
  if (!quiet) {
    std::cout << "fit file: " << files.h5 << "\n";
    for (const auto& f : files.scenarios) std::cout << "forecast scenario: " << f << "\n";
    if (!files.report.empty()) std::cout << "report: " << files.report << "\n";
  }
  bool converged = true;
  for (const auto& e : session.estimations) converged = converged && e.result.converged;
  if (!converged) std::cerr << name << ": warning: a fit did not converge; see its message above\n";
  return converged ? kOk : kFailure;
}

}  // namespace

int fit_command(const Args& args) { return fit_or_profile(args, false); }
int profile_command(const Args& args) { return fit_or_profile(args, true); }

}  // namespace magsim::cli
