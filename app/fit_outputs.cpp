// What a fit writes: the HDF5 fit file, one forecast scenario per subject, the Markdown report.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "app/fit.hpp"
#include "app/text_output.hpp"
#include "engine/io/fit_file.hpp"
#include "engine/io/hdf5_atomic.hpp"
#include "engine/scenario/units.hpp"
#include "engine/version_info.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::app {
namespace {

namespace fs = std::filesystem;

std::string sig(double v, int digits = 4) {
  if (std::isnan(v)) return "–";
  std::ostringstream o;
  o << std::setprecision(digits) << v;
  return o.str();
}

std::string unit_of(const std::string& u) { return u.empty() || u == "1" ? "" : u; }

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string series_unit(const std::string& series) {
  const auto& info = models::magnesium::model().info();
  const int k = info.find_output(series);
  return k < 0 ? "" : info.outputs[static_cast<size_t>(k)].unit;
}

std::string stem_of(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  return dot != std::string::npos && (slash == std::string::npos || dot > slash) ? path.substr(0, dot) : path;
}

}  // namespace

std::string fit_report(const FitSession& s, const std::string& h5_name) {
  const auto& d = s.definition;
  const auto& info = models::magnesium::model().info();
  std::ostringstream md;
  md << "# Fit: " << (d.name.empty() ? d.file : d.name) << "\n\n";
  if (!d.description.empty()) md << d.description << "\n\n";
  md << "magsim " << engine::kVersion << " (git " << engine::kGitRevision << "), model " << info.name
     << " " << info.version << "; " << now_utc() << ". Fit file `" << d.file << "`; results in `"
     << h5_name << "`.\n\n";

  md << "## Data\n\n";
  md << (d.dataset_path.empty() ? "Scenario `" + d.scenario_path + "`" : "Event dataset (mapping `" + d.dataset_path + "`)")
     << ": " << s.subjects.size() << (s.subjects.size() == 1 ? " subject" : " subjects") << ".\n\n";
  std::map<std::string, std::array<int, 3>> per_series;  // points, intervals, censored
  for (const auto& subj : s.subjects)
    for (const auto& o : subj.observations) {
      auto& c = per_series[o.series];
      ++c[o.interval() ? 1 : 0];
      if (o.censored) ++c[2];
    }
  md << "| series | unit | samples | collection windows | below LLOQ | residual error model |\n|---|---|---|---|---|---|\n";
  for (const auto& [series, c] : per_series) {
    std::string em;
    for (const auto& e : d.errors)
      if (e.series == series) {
        em = engine::fit::error_kind_name(e.model.kind);
        if (e.model.kind != engine::fit::ErrorKind::Proportional) em += ", additive " + sig(e.model.additive) + (e.additive_unit == "1" ? "" : " " + e.additive_unit);
        if (e.model.proportional > 0) em += ", proportional " + sig(e.model.proportional);
        if (e.estimate_additive || e.estimate_proportional) em += " (estimated from these values)";
      }
    md << "| " << series << " | " << series_unit(series) << " | " << c[0] << " | " << c[1] << " | " << c[2] << " | " << em << " |\n";
  }

  md << "\n## Method\n\n";
  if (d.method == "map")
    md << "Maximum a posteriori (MAP-Bayes) estimation for each subject: the objective is -2 log "
          "likelihood of the observations plus, for each parameter with a prior, ((ln θ − ln "
          "median)/ω)², a log-normal prior. ";
  else
    md << "Maximum likelihood of parameters shared by all subjects (pooled): the objective is -2 "
          "log likelihood of every observation. ";
  md << "Values below the limit of quantification enter by their probability (M3). The optimiser "
        "is a bounded Levenberg–Marquardt on the transformed parameters with gradients from forward "
        "sensitivities; standard errors come from the Fisher information (2 H⁻¹ on the transformed "
        "scale, delta method for θ), Wald 95 % intervals are symmetric on the transformed scale.\n\n";
  md << "| parameter | unit | transform | initial | bounds | prior |\n|---|---|---|---|---|---|\n";
  for (size_t j = 0; j < s.spec.parameters.size(); ++j) {
    const auto& p = s.spec.parameters[j];
    const std::string init = std::isnan(p.initial) ? "the subject's own value" : sig(p.initial);
    const std::string prior = p.prior.active
                                  ? "log-normal, median " + (std::isnan(p.prior.median) ? std::string("subject's typical value") : sig(p.prior.median)) +
                                        ", ω " + sig(p.prior.omega, 3) + " — " + p.prior.source
                                  : "none";
    md << "| " << p.name << " | " << unit_of(p.unit) << " | " << engine::fit::transform_name(p.transform) << " | " << init
       << " | " << sig(p.lower) << " – " << sig(p.upper) << " | " << prior << " |\n";
  }

  for (size_t e = 0; e < s.estimations.size(); ++e) {
    const auto& est = s.estimations[e];
    const auto& r = est.result;
    std::string who;
    for (int i : est.subjects) who += (who.empty() ? "" : ", ") + s.subjects[static_cast<size_t>(i)].id;
    md << "\n## Estimates" << (s.estimations.size() > 1 || d.method == "map" ? ": subject " + who : "") << "\n\n";
    md << (r.converged ? "Converged" : "**Did not converge**") << " (" << r.message << ") after "
       << r.iterations << " iterations, " << r.simulations << " simulations, " << sig(r.wall_seconds, 3)
       << " s. OFV " << std::setprecision(10) << r.ofv << " (priors " << sig(r.prior_ofv, 6) << "), "
       << r.observations << " observations";
    if (r.start_ofv.size() > 1) {
      md << "; " << r.start_ofv.size() << " starts, OFVs";
      for (double v : r.start_ofv) md << " " << sig(v, 8);
      md << " (best: start " << r.best_start << ")";
    }
    md << ".\n\n";
    md << "| parameter | estimate | unit | SE | RSE % | 95 % CI (Wald) | 95 % CI (profile) | note |\n|---|---|---|---|---|---|---|---|\n";
    for (size_t j = 0; j < s.spec.parameters.size(); ++j) {
      const auto& p = s.spec.parameters[j];
      std::string profile = "not profiled", note;
      for (const auto& pr : est.profiles)
        if (pr.parameter == static_cast<int>(j)) {
          profile = (std::isnan(pr.lower) ? std::string("open") : sig(pr.lower)) + " – " +
                    (std::isnan(pr.upper) ? std::string("open") : sig(pr.upper));
          if (!pr.identifiable) note += "**not identifiable** (" + pr.note + "). ";
        }
      if (r.at_bound[j]) note += "on a bound. ";
      const double rse = r.se[j] / std::abs(r.estimate[j]) * 100;
      md << "| " << p.name << " | " << sig(r.estimate[j]) << " | " << unit_of(p.unit) << " | " << sig(r.se[j], 3)
         << " | " << sig(rse, 3) << " | " << sig(r.ci_lower[j]) << " – " << sig(r.ci_upper[j]) << " | " << profile
         << " | " << note << " |\n";
    }
    const auto np = static_cast<Eigen::Index>(s.spec.parameters.size());
    if (np > 1) {
      md << "\nCorrelations of the estimates (transformed scale):\n\n|   |";
      for (Eigen::Index j = 0; j < np; ++j) md << " " << j + 1 << " |";
      md << "\n|---|";
      for (Eigen::Index j = 0; j < np; ++j) md << "---|";
      md << "\n";
      for (Eigen::Index i = 0; i < np; ++i) {
        md << "| " << i + 1 << " " << s.spec.parameters[static_cast<size_t>(i)].name << " |";
        for (Eigen::Index j = 0; j < np; ++j) md << " " << sig(r.correlation(i, j), 2) << " |";
        md << "\n";
      }
    }
    md << "\n### Goodness of fit\n\n| series | n | mean weighted residual | RMS weighted residual |\n|---|---|---|---|\n";
    std::map<std::string, std::pair<std::vector<double>, int>> wres;
    for (const auto& pr : r.predictions) {
      const auto& o = s.subjects[static_cast<size_t>(est.subjects[static_cast<size_t>(pr.subject)])].observations[static_cast<size_t>(pr.observation)];
      auto& w = wres[o.series];
      ++w.second;
      if (!o.censored) w.first.push_back(pr.weighted_residual);
    }
    for (const auto& [series, w] : wres) {
      double mean = 0, rms = 0;
      for (double v : w.first) {
        mean += v;
        rms += v * v;
      }
      const double n = std::max<double>(1, static_cast<double>(w.first.size()));
      md << "| " << series << " | " << w.second << " | " << sig(mean / n, 3) << " | " << sig(std::sqrt(rms / n), 3) << " |\n";
    }
    md << "\nAn RMS weighted residual far above 1 says the error model is too optimistic (or the model "
          "misses something); far below 1, too pessimistic.\n\n";
    md << "| subject | series | time (h) | observed | predicted | unit | weighted residual | where |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& pr : r.predictions) {
      const auto& subj = s.subjects[static_cast<size_t>(est.subjects[static_cast<size_t>(pr.subject)])];
      const auto& o = subj.observations[static_cast<size_t>(pr.observation)];
      md << "| " << subj.id << " | " << o.series << " | "
         << (o.interval() ? sig(o.start_h, 6) + " – " + sig(o.time_h, 6) : sig(o.time_h, 6)) << " | "
         << (o.censored ? "< " : "") << sig(o.value) << " | " << sig(pr.predicted) << " | " << series_unit(o.series)
         << " | " << (o.censored ? std::string("(censored)") : sig(pr.weighted_residual, 3)) << " | " << o.where << " |\n";
    }
    for (const auto& pr : r.predictions)
      if (std::abs(pr.weighted_residual) > 4)
        md << "\n**Warning:** observation " << pr.observation + 1 << " of subject "
           << s.subjects[static_cast<size_t>(est.subjects[static_cast<size_t>(pr.subject)])].id << " lies "
           << sig(std::abs(pr.weighted_residual), 2)
           << " residual SDs from its prediction: the model, or the error model, does not explain it.\n";
  }
  md << "\n## Figures\n\n"
     << "![Observed against predicted](obs_vs_pred.png)\n\n"
     << "![Weighted residuals against time](residuals_vs_time.png)\n\n"
     << "![Individual fits](individual_fits.png)\n\n";
  bool profiled = false;
  for (const auto& est : s.estimations) profiled = profiled || !est.profiles.empty();
  if (profiled) md << "![Likelihood profiles](profiles.png)\n\n";
  md << "## Forecasting\n\nEach subject's scenario with the estimates as `parameters:` overrides is written "
        "beside the fit file (`" << stem_of(h5_name) << ".ID.yaml`): `magsim run` it, or edit its doses first, "
        "to forecast a regimen for this patient.\n";
  return md.str();
}

FitFiles write_fit_outputs(const FitSession& s, const std::string& out_h5, const std::string& report_dir) {
  const auto& info = models::magnesium::model().info();
  FitFiles files;
  engine::io::FitRecord rec;
  rec.magsim_version = engine::kVersion;
  rec.git_revision = engine::kGitRevision;
  rec.model = info.name;
  rec.model_version = info.version;
  rec.created = now_utc();
  rec.method = s.definition.method;
  rec.name = s.definition.name;
  rec.fit_file_text = s.definition.text;
  rec.parameters = s.spec.parameters;
  for (const auto& subj : s.subjects) {
    engine::io::FitRecordSubject r;
    r.id = subj.id;
    r.observations = subj.observations;
    for (const auto& o : subj.observations) r.units.push_back(series_unit(o.series));
    rec.subjects.push_back(std::move(r));
  }
  for (const auto& est : s.estimations) {
    engine::io::FitRecordEstimation r;
    r.subjects = est.subjects;
    r.result = &est.result;
    for (const auto& p : est.profiles) r.profiles.push_back(&p);
    r.typical = typical_values(s, static_cast<size_t>(est.subjects.front()));
    for (size_t j = 0; j < s.spec.parameters.size(); ++j) {
      const auto& p = s.spec.parameters[j];
      r.initial.push_back(std::isnan(p.initial) ? r.typical[j] : p.initial);
    }
    rec.estimations.push_back(std::move(r));
  }
  if (const std::string clash = fit_output_onto_input(s, out_h5); !clash.empty())
    throw std::runtime_error("refusing to write over an input of the fit: " + clash);
  const std::vector<std::string> paths = fit_output_paths(s, out_h5);
  engine::io::hdf5::check_output_path(out_h5, "fit file");
  const std::string tmp = engine::io::hdf5::fresh_temporary_path(out_h5);
  try {
    engine::io::write_fit_file(tmp, rec);
    engine::io::hdf5::require_replaceable(out_h5, "fit file");
    fs::rename(tmp, out_h5);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  files.h5 = out_h5;
  for (size_t e = 0; e < s.estimations.size(); ++e)
    for (int i : s.estimations[e].subjects) {
      const std::string& path = paths[1 + static_cast<size_t>(i)];
      write_text_file(path, forecast_scenario(s, e, static_cast<size_t>(i)), "forecast scenario");
      files.scenarios.push_back(path);
    }
  if (!report_dir.empty()) {
    std::error_code ec;
    fs::create_directories(report_dir, ec);
    if (ec) throw std::runtime_error("cannot create report directory '" + report_dir + "': " + ec.message());
    files.report = (fs::path(report_dir) / "fit.md").string();
    write_text_file(files.report, fit_report(s, fs::path(out_h5).filename().string()), "report");
  }
  return files;
}

}  // namespace magsim::app
