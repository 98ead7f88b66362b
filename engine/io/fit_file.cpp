// The fit file (layout: engine/io/fit_file.hpp). Beyond the layout's contract every table column has
// a `description` attribute, a profile group also has a `unit` attribute (of its value column and
// of its lower/upper attributes), correlation and covariance_phi a `description`, and the
// estimation group `wall_seconds_units` ("s"). Text columns are fixed-length UTF-8 padded with
// NULs (NumPy's 'S' layout, as the sweep file's text columns), text attributes variable-length
// UTF-8 (h5py reads them as str).
#include "engine/io/fit_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>

#include "engine/io/hdf5_handles.hpp"
#include "engine/io/hdf5_atomic.hpp"

namespace magsim::engine::io {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A unit attribute value for a column whose rows carry their own units (the table's `unit` column).
constexpr const char* kRowUnit = "per row: see column 'unit'";

// ---- checks before anything is written -------------------------------------------------------

void check_record(const FitRecord& r, const std::string& path) {
  const std::string where = "cannot write fit file '" + path + "': ";
  const std::size_t p = r.parameters.size();
  std::set<std::string> names;
  for (const auto& param : r.parameters)
    if (param.name.empty() || param.name == "." || param.name.find('/') != std::string::npos ||
        !names.insert(param.name).second)
      throw std::invalid_argument(where + "parameter name '" + param.name +
                                  "' is empty, '.', contains '/' or appears twice");
  for (const auto& s : r.subjects)
    if (s.units.size() != s.observations.size())
      throw std::invalid_argument(where + "subject '" + s.id + "' has " +
                                  std::to_string(s.observations.size()) + " observations but " +
                                  std::to_string(s.units.size()) + " units");
  for (std::size_t e = 0; e < r.estimations.size(); ++e) {
    const auto& est = r.estimations[e];
    const std::string what = where + "estimation " + std::to_string(e) + ": ";
    if (!est.result) throw std::invalid_argument(what + "no result");
    const auto& res = *est.result;
    if (res.estimate.size() != p)
      throw std::invalid_argument(what + std::to_string(res.estimate.size()) +
                                  " estimates for " + std::to_string(p) + " parameters");
    for (int s : est.subjects)
      if (s < 0 || static_cast<std::size_t>(s) >= r.subjects.size())
        throw std::invalid_argument(what + "subject index " + std::to_string(s) + " out of range");
    for (const auto& pred : res.predictions) {
      if (pred.subject < 0 || static_cast<std::size_t>(pred.subject) >= est.subjects.size())
        throw std::invalid_argument(what + "a prediction's subject " +
                                    std::to_string(pred.subject) + " is not one of its " +
                                    std::to_string(est.subjects.size()) + " subjects");
      const auto& subject = r.subjects[static_cast<std::size_t>(est.subjects[pred.subject])];
      if (pred.observation < 0 ||
          static_cast<std::size_t>(pred.observation) >= subject.observations.size())
        throw std::invalid_argument(what + "a prediction's observation " +
                                    std::to_string(pred.observation) + " is not one of subject '" +
                                    subject.id + "''s " +
                                    std::to_string(subject.observations.size()));
    }
    for (const auto* profile : est.profiles)
      if (!profile || profile->parameter < 0 || static_cast<std::size_t>(profile->parameter) >= p)
        throw std::invalid_argument(what + "a profile of no parameter");
  }
}

// ---- writing helpers -------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {}

  std::string context(const std::string& action) const {
    return "cannot write fit file '" + path_ + "': " + action;
  }

  hdf5::Group group(hid_t loc, const std::string& name) const {
    const std::string ctx = context("creating group '" + name + "'");
    hdf5::PropertyList gcpl(H5Pcreate(H5P_GROUP_CREATE), ctx);
    hdf5::check(
        H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), ctx);
    hdf5::check(H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED), ctx);
    return hdf5::Group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), ctx);
  }

  void text_attribute(hid_t obj, const std::string& name, const std::string& value) const {
    hdf5::write_string_attribute(obj, name, value, context("writing attribute '" + name + "'"));
  }
  void number_attribute(hid_t obj, const std::string& name, double value) const {
    hdf5::write_double_attribute(obj, name, value, context("writing attribute '" + name + "'"));
  }
  void int_attribute(hid_t obj, const std::string& name, long long value) const {
    const std::string ctx = context("writing attribute '" + name + "'");
    hdf5::Dataspace space(H5Screate(H5S_SCALAR), ctx);
    hdf5::Attribute attr(
        H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx);
    hdf5::check(H5Awrite(attr.get(), H5T_NATIVE_LLONG, &value), ctx);
    attr.close(ctx);
  }
  // A 1-D array of variable-length UTF-8 strings (h5py: an array of str).
  void text_array_attribute(hid_t obj, const std::string& name,
                            const std::vector<std::string>& values) const {
    const std::string ctx = context("writing attribute '" + name + "'");
    hdf5::Datatype type = hdf5::utf8_string_type();
    const hsize_t dims[1] = {values.size()};
    hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
    hdf5::Attribute attr(
        H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), ctx);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (!ptrs.empty()) hdf5::check(H5Awrite(attr.get(), type.get(), ptrs.data()), ctx);
    attr.close(ctx);
  }

  // A float64 dataset of shape `dims` (row-major `values`), with unit and description.
  void numbers(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims,
               const std::vector<double>& values, const std::string& unit,
               const std::string& description) const {
    const std::string ctx = context("writing '" + name + "'");
    hdf5::Dataspace space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                          ctx);
    hdf5::Dataset ds(H5Dcreate2(loc, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     ctx);
    if (!values.empty())
      hdf5::check(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), ctx);
    describe(ds.get(), unit, description, ctx);
    ds.close(ctx);
  }
  // A square float64 matrix, unitless, with its rows' (and columns') names.
  void matrix(hid_t loc, const std::string& name, const std::vector<double>& values,
              const std::vector<std::string>& names, const std::string& description) const {
    const hsize_t p = names.size();
    numbers(loc, name, {p, p}, values, "1", description);
    const std::string ctx = context("writing '" + name + "'");
    hdf5::Dataset ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), ctx);
    text_array_attribute(ds.get(), "names", names);
    ds.close(ctx);
  }
  void number_column(hid_t table, const std::string& name, const std::vector<double>& values,
                     const std::string& unit, const std::string& description) const {
    numbers(table, name, {values.size()}, values, unit, description);
  }

  void int_column(hid_t table, const std::string& name, const std::vector<int>& values,
                  const std::string& description) const {
    const std::string ctx = context("writing column '" + name + "'");
    const hsize_t dims[1] = {values.size()};
    hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
    hdf5::Dataset ds(H5Dcreate2(table, name.c_str(), H5T_STD_I32LE, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     ctx);
    if (!values.empty())
      hdf5::check(H5Dwrite(ds.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                  ctx);
    describe(ds.get(), "1", description, ctx);
    ds.close(ctx);
  }

  // Fixed-length UTF-8 as wide as the longest value (at least 1 byte), NUL-padded.
  void text_column(hid_t table, const std::string& name, const std::vector<std::string>& values,
                   const std::string& description) const {
    const std::string ctx = context("writing column '" + name + "'");
    std::size_t width = 1;
    for (const auto& v : values) width = std::max(width, v.size());
    hdf5::Datatype type(H5Tcopy(H5T_C_S1), ctx);
    hdf5::check(H5Tset_size(type.get(), width), ctx);
    hdf5::check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), ctx);
    hdf5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), ctx);
    const hsize_t dims[1] = {values.size()};
    hdf5::Dataspace space(H5Screate_simple(1, dims, nullptr), ctx);
    hdf5::Dataset ds(H5Dcreate2(table, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT),
                     ctx);
    std::vector<char> block(values.size() * width, '\0');
    for (std::size_t i = 0; i < values.size(); ++i)
      std::memcpy(block.data() + i * width, values[i].data(), values[i].size());
    if (!values.empty())
      hdf5::check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, block.data()), ctx);
    text_attribute(ds.get(), "description", description);
    ds.close(ctx);
  }

 private:
  void describe(hid_t ds, const std::string& unit, const std::string& description,
                const std::string& ctx) const {
    hdf5::write_string_attribute(ds, "units", unit, ctx);
    hdf5::write_string_attribute(ds, "description", description, ctx);
  }

  std::string path_;
};

double rse_percent(double estimate, double se) {
  if (std::isnan(se) || estimate == 0 || !std::isfinite(estimate)) return kNaN;
  return 100 * se / std::fabs(estimate);
}

// CV of a log-normal prior from the SD of its log.
double prior_cv(const fit::Prior& prior) {
  return prior.active ? std::sqrt(std::expm1(prior.omega * prior.omega)) : 0.0;
}

template <class T>
T at_or(const std::vector<T>& v, std::size_t i, T fallback) {
  return i < v.size() ? v[i] : fallback;
}

// P x P, row-major; NaN where the matrix has no entry (empty or smaller).
std::vector<double> row_major(const Eigen::MatrixXd& m, std::size_t p) {
  std::vector<double> out(p * p, kNaN);
  for (std::size_t i = 0; i < p && i < static_cast<std::size_t>(m.rows()); ++i)
    for (std::size_t j = 0; j < p && j < static_cast<std::size_t>(m.cols()); ++j)
      out[i * p + j] = m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  return out;
}

void write_estimates(const Writer& w, hid_t est_group, const FitRecord& r,
                     const FitRecordEstimation& est) {
  const auto& res = *est.result;
  const std::size_t p = r.parameters.size();
  hdf5::Group table = w.group(est_group, "estimates");
  std::vector<std::string> name, unit, transform;
  std::vector<double> estimate, se, rse, ci_lower, ci_upper, profile_lower, profile_upper, initial,
      lower, upper, prior_median, cv;
  std::vector<int> identifiable, at_bound;
  for (std::size_t j = 0; j < p; ++j) {
    const auto& param = r.parameters[j];
    name.push_back(param.name);
    unit.push_back(param.unit);
    transform.push_back(fit::transform_name(param.transform));
    estimate.push_back(res.estimate[j]);
    se.push_back(at_or(res.se, j, kNaN));
    rse.push_back(rse_percent(res.estimate[j], se.back()));
    ci_lower.push_back(at_or(res.ci_lower, j, kNaN));
    ci_upper.push_back(at_or(res.ci_upper, j, kNaN));
    const fit::Profile* profile = nullptr;
    for (const auto* pr : est.profiles)
      if (static_cast<std::size_t>(pr->parameter) == j) profile = pr;
    profile_lower.push_back(profile ? profile->lower : kNaN);
    profile_upper.push_back(profile ? profile->upper : kNaN);
    identifiable.push_back(profile ? (profile->identifiable ? 1 : 0) : -1);
    at_bound.push_back(at_or(res.at_bound, j, false) ? 1 : 0);
    initial.push_back(at_or(est.initial, j, kNaN));
    lower.push_back(param.lower);
    upper.push_back(param.upper);
    prior_median.push_back(!param.prior.active ? kNaN
                           : std::isnan(param.prior.median) ? at_or(est.typical, j, kNaN)
                                                            : param.prior.median);
    cv.push_back(prior_cv(param.prior));
  }
  const hid_t t = table.get();
  w.text_column(t, "name", name, "parameter: a model parameter or error.SERIES.additive|proportional");
  w.text_column(t, "unit", unit, "unit of the row's values (estimate, se, intervals, bounds)");
  w.text_column(t, "transform", transform, "scale estimated on: log, logit or none");
  w.number_column(t, "estimate", estimate, kRowUnit, "estimated value");
  w.number_column(t, "se", se, kRowUnit,
                  "standard error (delta method from the Fisher information); NaN: not estimable");
  w.number_column(t, "rse_percent", rse, "%", "relative standard error, 100 se / |estimate|");
  w.number_column(t, "ci_lower", ci_lower, kRowUnit, "Wald 95 % interval (transformed scale), lower");
  w.number_column(t, "ci_upper", ci_upper, kRowUnit, "Wald 95 % interval (transformed scale), upper");
  w.number_column(t, "profile_lower", profile_lower, kRowUnit,
                  "profile-likelihood 95 % interval, lower; NaN: not profiled or open");
  w.number_column(t, "profile_upper", profile_upper, kRowUnit,
                  "profile-likelihood 95 % interval, upper; NaN: not profiled or open");
  w.int_column(t, "identifiable", identifiable,
               "1: the profile passes delta OFV 3.84 on both sides; 0: it does not; -1: not profiled");
  w.int_column(t, "at_bound", at_bound, "1: the estimate is on a bound");
  w.number_column(t, "initial", initial, kRowUnit, "starting value");
  w.number_column(t, "lower", lower, kRowUnit, "lower bound");
  w.number_column(t, "upper", upper, kRowUnit, "upper bound");
  w.number_column(t, "prior_median", prior_median, kRowUnit,
                  "median of the log-normal prior; NaN with prior_cv > 0: the subject's typical "
                  "value (when unknown); NaN with prior_cv 0: no prior");
  w.number_column(t, "prior_cv", cv, "1", "CV of the log-normal prior (0: no prior)");
  table.close(w.context("closing estimates"));
}

void write_predictions(const Writer& w, hid_t est_group, const FitRecord& r,
                       const FitRecordEstimation& est) {
  hdf5::Group table = w.group(est_group, "predictions");
  std::vector<std::string> subject, series, unit, where;
  std::vector<double> time_h, start_h, observed, predicted, sd, weighted, ofv;
  std::vector<int> censored;
  for (const auto& pred : est.result->predictions) {
    const auto& s = r.subjects[static_cast<std::size_t>(est.subjects[pred.subject])];
    const auto obs_index = static_cast<std::size_t>(pred.observation);
    const fit::Observation& o = s.observations[obs_index];
    subject.push_back(s.id);
    series.push_back(o.series);
    unit.push_back(s.units[obs_index]);
    where.push_back(o.where);
    time_h.push_back(o.time_h);
    start_h.push_back(o.start_h);
    observed.push_back(o.value);
    predicted.push_back(pred.predicted);
    censored.push_back(o.censored ? 1 : 0);
    sd.push_back(pred.sd);
    weighted.push_back(pred.weighted_residual);
    ofv.push_back(pred.ofv);
  }
  const hid_t t = table.get();
  w.text_column(t, "subject", subject, "subject id");
  w.text_column(t, "series", series, "observed model output");
  w.text_column(t, "unit", unit, "unit of observed, predicted and sd (log-normal error: sd is of the log)");
  w.number_column(t, "time_h", time_h, "h", "sample time, or the end of an interval's window");
  w.number_column(t, "start_h", start_h, "h",
                  "start of an interval's window (the value is the series' change over it); NaN: a point");
  w.number_column(t, "observed", observed, kRowUnit, "measured value (censored: the LLOQ)");
  w.number_column(t, "predicted", predicted, kRowUnit, "model prediction at the estimates");
  w.int_column(t, "censored", censored, "1: below the limit of quantification (M3)");
  w.number_column(t, "sd", sd, kRowUnit, "residual SD at the prediction (log-normal error: of the log, unitless)");
  w.number_column(t, "weighted_residual", weighted, "1",
                  "(observed - predicted) / sd (log-normal error: on the log); censored: 0");
  w.number_column(t, "ofv", ofv, "1", "this observation's -2 log-likelihood term");
  w.text_column(t, "where", where, "FILE:LINE:COL (or FILE:ROW:COL) of the value");
  table.close(w.context("closing predictions"));
}

void write_profile(const Writer& w, hid_t profiles, const fit::Parameter& param,
                   const fit::Profile& profile) {
  hdf5::Group table = w.group(profiles, param.name);
  std::vector<double> value, delta;
  std::vector<int> converged;
  for (const auto& point : profile.points) {
    value.push_back(point.value);
    delta.push_back(point.delta_ofv);
    converged.push_back(point.converged ? 1 : 0);
  }
  const hid_t t = table.get();
  w.number_column(t, "value", value, param.unit, "value the parameter is held at");
  w.number_column(t, "delta_ofv", delta, "1",
                  "OFV minus the fit's minimum, the other parameters re-estimated");
  w.int_column(t, "converged", converged, "1: the re-estimation converged");
  w.number_attribute(t, "lower", profile.lower);
  w.number_attribute(t, "upper", profile.upper);
  w.text_attribute(t, "units", param.unit);
  w.int_attribute(t, "identifiable", profile.identifiable ? 1 : 0);
  w.text_attribute(t, "note", profile.note);
  table.close(w.context("closing profile '" + param.name + "'"));
}

void write_estimation(const Writer& w, hid_t estimations, std::size_t index, const FitRecord& r,
                      const FitRecordEstimation& est) {
  const auto& res = *est.result;
  hdf5::Group g = w.group(estimations, std::to_string(index));
  const hid_t id = g.get();
  std::string ids;
  for (std::size_t k = 0; k < est.subjects.size(); ++k)
    ids += (k ? "," : "") + r.subjects[static_cast<std::size_t>(est.subjects[k])].id;
  w.text_attribute(id, "subjects", ids);
  w.number_attribute(id, "ofv", res.ofv);
  w.number_attribute(id, "prior_ofv", res.prior_ofv);
  w.int_attribute(id, "converged", res.converged ? 1 : 0);
  w.text_attribute(id, "message", res.message);
  w.int_attribute(id, "iterations", res.iterations);
  w.int_attribute(id, "evaluations", res.evaluations);
  w.int_attribute(id, "simulations", res.simulations);
  w.number_attribute(id, "projected_gradient", res.projected_gradient);
  w.number_attribute(id, "wall_seconds", res.wall_seconds);
  w.text_attribute(id, "wall_seconds_units", "s");
  w.int_attribute(id, "best_start", res.best_start);

  write_estimates(w, id, r, est);

  const std::size_t p = r.parameters.size();
  std::vector<std::string> names;
  for (const auto& param : r.parameters) names.push_back(param.name);
  w.matrix(id, "correlation", row_major(res.correlation, p), names,
           "correlation of the estimates (Fisher information); NaN where not estimable");
  w.matrix(id, "covariance_phi", row_major(res.covariance_phi, p), names,
           "covariance of the transformed estimates (2 H^-1, H the OFV's Hessian)");
  w.numbers(id, "starts_ofv", {res.start_ofv.size()}, res.start_ofv, "1",
            "OFV reached from each start (NaN: the start failed)");

  write_predictions(w, id, r, est);

  hdf5::Group profiles = w.group(id, "profiles");
  for (const auto* profile : est.profiles)
    write_profile(w, profiles.get(), r.parameters[static_cast<std::size_t>(profile->parameter)],
                  *profile);
  profiles.close(w.context("closing profiles"));
  g.close(w.context("closing estimation " + std::to_string(index)));
}

void write_contents(const Writer& w, hid_t root, const FitRecord& r) {
  w.text_attribute(root, "magsim_version", r.magsim_version);
  w.text_attribute(root, "git_revision", r.git_revision);
  w.text_attribute(root, "model", r.model);
  w.text_attribute(root, "model_version", r.model_version);
  w.text_attribute(root, "created", r.created);
  w.text_attribute(root, "method", r.method);
  w.text_attribute(root, "fit_file", r.fit_file_text);
  w.text_attribute(root, "name", r.name);

  {
    hdf5::Group subjects = w.group(root, "subjects");
    std::vector<std::string> ids;
    std::vector<int> counts;
    for (const auto& s : r.subjects) {
      ids.push_back(s.id);
      counts.push_back(static_cast<int>(s.observations.size()));
    }
    w.text_column(subjects.get(), "id", ids, "subject id (the dataset's ID, or the fit's name)");
    w.int_column(subjects.get(), "observations", counts, "observations of the subject");
    subjects.close(w.context("closing subjects"));
  }
  hdf5::Group estimations = w.group(root, "estimations");
  for (std::size_t e = 0; e < r.estimations.size(); ++e)
    write_estimation(w, estimations.get(), e, r, r.estimations[e]);
  estimations.close(w.context("closing estimations"));
}

// Creates `path` with plain POSIX calls first, so that a missing folder or a permission problem
// is reported with the system's reason, and a full disk before HDF5 writes anything (an
// H5Fcreate that cannot write its superblock leaves HDF5 1.10 in a bad state).
void probe(const std::string& path, const Writer& w) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(w.context(hdf5::errno_text(errno)));
  static const char kBlock[4096] = {};
  const ssize_t n = ::write(fd, kBlock, sizeof kBlock);
  const int err = n < 0 ? errno : (n < static_cast<ssize_t>(sizeof kBlock) ? ENOSPC : 0);
  const bool truncated = ::ftruncate(fd, 0) == 0;
  ::close(fd);
  if (err != 0 || !truncated) {
    std::remove(path.c_str());
    throw std::runtime_error(w.context(hdf5::errno_text(err ? err : errno)));
  }
}

}  // namespace

void write_fit_file(const std::string& path, const FitRecord& record) {
  hdf5::ErrorPrintingOff quiet;
  check_record(record, path);
  const Writer w(path);
  probe(path, w);
  hdf5::ensure_room(path, 1u << 20, "fit file", path);
  hdf5::File file;
  bool flush_failed = false;
  try {
    const std::string ctx = w.context("creating the file");
    hdf5::PropertyList fcpl(H5Pcreate(H5P_FILE_CREATE), ctx);
    hdf5::check(
        H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), ctx);
    hdf5::check(
        H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), ctx);
    hdf5::PropertyList fapl(H5Pcreate(H5P_FILE_ACCESS), ctx);
    hdf5::check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), ctx);
    file = hdf5::File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), ctx);
    {
      hdf5::Group root(H5Gopen2(file.get(), "/", H5P_DEFAULT), w.context("opening /"));
      write_contents(w, root.get(), record);
    }
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) {
      flush_failed = true;
      hdf5::throw_error(w.context("flushing"));
    }
    file.close(w.context("closing"));
  } catch (...) {
    // After a failed write HDF5 1.10 cannot close the file the ordinary way (hdf5_output.hpp).
    hdf5::close_discarded_file(file, flush_failed);
    std::remove(path.c_str());
    throw;
  }
}

}  // namespace magsim::engine::io
