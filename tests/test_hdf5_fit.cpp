// The fit file (engine/io/fit_file.hpp): a record built by hand reads back through the HDF5 C API
// with its values, units, NaNs and layout, and a file that cannot be written is an error naming it.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/hdf5_handles.hpp"
#include "engine/io/fit_file.hpp"
#include "tests/temp_files.hpp"

namespace fs = std::filesystem;
namespace fit = magsim::engine::fit;
namespace hdf5 = magsim::engine::io::hdf5;
using magsim::engine::io::FitRecord;
using magsim::engine::fit::Observation;
using magsim::engine::io::write_fit_file;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Observation point(const std::string& series, double t, double value, bool censored = false) {
  Observation o;
  o.series = series;
  o.time_h = t;
  o.value = value;
  o.censored = censored;
  o.where = "fit.yaml:" + std::to_string(static_cast<int>(t)) + ":7";
  return o;
}

// Two parameters (one with a prior, one an error-model SD), two subjects pooled in one
// estimation; parameter 0 profiled, its upper side open (not identifiable).
struct Example {
  fit::FitResult result;
  fit::Profile profile;
  FitRecord record;

  Example() {
    fit::Parameter gut;
    gut.name = "gut.absorption_scale";
    gut.unit = "1";
    gut.transform = fit::Transform::Log;
    gut.lower = 0.1;
    gut.upper = 10;
    gut.prior.active = true;
    gut.prior.median = 1.0;
    gut.prior.omega = std::sqrt(std::log(1 + 0.3 * 0.3));  // CV 30 %
    fit::Parameter sd;
    sd.name = "error.serum_mg_total.additive";
    sd.unit = "mmol/L";
    sd.transform = fit::Transform::Logit;
    sd.lower = 0;
    sd.upper = kInf;

    result.estimate = {1.25, 0.05};
    result.phi = {std::log(1.25), -3.0};
    result.se = {0.25, kNaN};
    result.ci_lower = {0.85, kNaN};
    result.ci_upper = {1.84, kNaN};
    result.at_bound = {false, true};
    result.correlation.resize(2, 2);
    result.correlation << 1.0, -0.5, -0.5, 1.0;
    result.covariance_phi.resize(2, 2);
    result.covariance_phi << 0.04, 0.001, 0.001, kNaN;
    result.ofv = -12.5;
    result.prior_ofv = 0.75;
    result.converged = true;
    result.message = "relative change of OFV below 1e-8";
    result.iterations = 7;
    result.evaluations = 11;
    result.simulations = 33;
    result.projected_gradient = 1e-6;
    result.start_ofv = {-12.5, kNaN};
    result.best_start = 0;
    result.wall_seconds = 0.5;
    // subject index 1 is the estimation's second subject (record subject 0, see below)
    result.predictions = {
        {0, 0, 0.80, 0.05, 0.5, 1.1},
        {0, 1, 2.5, 0.3, -1.0, 2.2},
        {1, 0, 0.78, 0.05, 0.0, 0.3},
    };

    profile.parameter = 0;
    profile.points = {{0.9, 4.5, true}, {1.25, 0.0, true}, {2.0, 1.5, false}};
    profile.lower = 0.95;
    profile.upper = kNaN;
    profile.identifiable = false;
    profile.note = "delta OFV stays below 3.84 up to the upper bound";

    record.magsim_version = "0.1.0";
    record.git_revision = "abc123";
    record.model = "magnesium";
    record.model_version = "2.0";
    record.created = "2024-01-01T00:00:00Z";
    record.method = "pooled";
    record.name = "two patients";
    record.fit_file_text = "name: two patients\nmethod: pooled\n";
    record.parameters = {gut, sd};

    magsim::engine::io::FitRecordSubject a;
    a.id = "7";
    a.observations = {point("serum_mg_total", 24, 0.82)};
    a.units = {"mmol/L"};
    magsim::engine::io::FitRecordSubject b;
    b.id = "12";
    Observation urine = point("cum_urine", 48, 2.8);
    urine.start_h = 24;
    b.observations = {point("serum_mg_total", 24, 0.82), urine};
    b.units = {"mmol/L", "mmol"};
    // censored: the second subject's first observation is at the LLOQ
    b.observations[0].censored = true;
    b.observations[0].value = 0.3;
    record.subjects = {a, b};

    magsim::engine::io::FitRecordEstimation est;
    est.subjects = {1, 0};  // the fit's subject 0 is record subject 1 ("12")
    est.result = &result;
    est.profiles = {&profile};
    est.initial = {1.0, 0.1};
    record.estimations = {est};
  }
};

// ---- reading through the C API ----------------------------------------------------------------

hdf5::Dataset open_dataset(hid_t file, const std::string& path) {
  return hdf5::Dataset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "opening " + path);
}

std::vector<double> doubles(hid_t file, const std::string& path) {
  hdf5::Dataset ds = open_dataset(file, path);
  hdf5::Dataspace space(H5Dget_space(ds.get()), path);
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  hdf5::check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path);
  return v;
}

std::vector<int> ints(hid_t file, const std::string& path) {
  hdf5::Dataset ds = open_dataset(file, path);
  hdf5::Datatype type(H5Dget_type(ds.get()), path);
  EXPECT_EQ(H5Tget_class(type.get()), H5T_INTEGER) << path;
  hdf5::Dataspace space(H5Dget_space(ds.get()), path);
  std::vector<int> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
  hdf5::check(H5Dread(ds.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path);
  return v;
}

std::vector<std::string> texts(hid_t file, const std::string& path) {
  hdf5::Dataset ds = open_dataset(file, path);
  hdf5::Datatype type(H5Dget_type(ds.get()), path);
  EXPECT_EQ(H5Tis_variable_str(type.get()), 0) << path << ": fixed-length strings expected";
  const std::size_t width = H5Tget_size(type.get());
  hdf5::Dataspace space(H5Dget_space(ds.get()), path);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<char> buf(n * width + 1, '\0');
  if (n > 0)
    hdf5::check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), path);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * width, width);
    out.push_back(s.substr(0, s.find('\0')));
  }
  return out;
}

std::string text_attribute(hid_t file, const std::string& object, const std::string& name) {
  hdf5::Handle<H5Oclose> obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), object);
  return hdf5::read_string_attribute(obj.get(), name, object + "@" + name, "<missing>");
}

double number_attribute(hid_t file, const std::string& object, const std::string& name) {
  hdf5::Handle<H5Oclose> obj(H5Oopen(file, object.c_str(), H5P_DEFAULT), object);
  return hdf5::read_double_attribute(obj.get(), name, object + "@" + name);
}

std::string unit(hid_t file, const std::string& path) { return text_attribute(file, path, "units"); }

class FitFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_ / "fit.h5").string();
    write_fit_file(path_, example_.record);
    file_ = hdf5::File(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path_);
  }
  hid_t file() const { return file_.get(); }

  magsim::testing::TempDir dir_;
  Example example_;
  std::string path_;
  hdf5::File file_;
};

}  // namespace

TEST_F(FitFile, RootAttributesSayWhatWasFittedAndHow) {
  EXPECT_EQ(text_attribute(file(), "/", "method"), "pooled");
  EXPECT_EQ(text_attribute(file(), "/", "name"), "two patients");
  EXPECT_EQ(text_attribute(file(), "/", "fit_file"), "name: two patients\nmethod: pooled\n");
  EXPECT_EQ(text_attribute(file(), "/", "model"), "magnesium");
  EXPECT_EQ(text_attribute(file(), "/", "model_version"), "2.0");
  EXPECT_EQ(text_attribute(file(), "/", "magsim_version"), "0.1.0");
  EXPECT_EQ(text_attribute(file(), "/", "git_revision"), "abc123");
  EXPECT_EQ(text_attribute(file(), "/", "created"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(texts(file(), "/subjects/id"), (std::vector<std::string>{"7", "12"}));
  EXPECT_EQ(ints(file(), "/subjects/observations"), (std::vector<int>{1, 2}));
  EXPECT_EQ(unit(file(), "/subjects/observations"), "1");
}

TEST_F(FitFile, EstimationAttributesCarryTheOptimisersReport) {
  const std::string e = "/estimations/0";
  EXPECT_EQ(text_attribute(file(), e, "subjects"), "12,7");
  EXPECT_EQ(number_attribute(file(), e, "ofv"), -12.5);
  EXPECT_EQ(number_attribute(file(), e, "prior_ofv"), 0.75);
  EXPECT_EQ(number_attribute(file(), e, "converged"), 1);
  EXPECT_EQ(text_attribute(file(), e, "message"), "relative change of OFV below 1e-8");
  EXPECT_EQ(number_attribute(file(), e, "iterations"), 7);
  EXPECT_EQ(number_attribute(file(), e, "evaluations"), 11);
  EXPECT_EQ(number_attribute(file(), e, "simulations"), 33);
  EXPECT_EQ(number_attribute(file(), e, "projected_gradient"), 1e-6);
  EXPECT_EQ(number_attribute(file(), e, "wall_seconds"), 0.5);
  EXPECT_EQ(text_attribute(file(), e, "wall_seconds_units"), "s");
  EXPECT_EQ(number_attribute(file(), e, "best_start"), 0);
  const auto starts = doubles(file(), e + "/starts_ofv");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], -12.5);
  EXPECT_TRUE(std::isnan(starts[1]));
}

TEST_F(FitFile, EstimatesHaveUnitsIntervalsAndNaNsWhereNotEstimable) {
  const std::string t = "/estimations/0/estimates/";
  EXPECT_EQ(texts(file(), t + "name"),
            (std::vector<std::string>{"gut.absorption_scale", "error.serum_mg_total.additive"}));
  EXPECT_EQ(texts(file(), t + "unit"), (std::vector<std::string>{"1", "mmol/L"}));
  EXPECT_EQ(texts(file(), t + "transform"), (std::vector<std::string>{"log", "logit"}));
  EXPECT_EQ(doubles(file(), t + "estimate"), (std::vector<double>{1.25, 0.05}));
  const auto se = doubles(file(), t + "se");
  EXPECT_EQ(se[0], 0.25);
  EXPECT_TRUE(std::isnan(se[1]));
  const auto rse = doubles(file(), t + "rse_percent");
  EXPECT_DOUBLE_EQ(rse[0], 20.0);
  EXPECT_TRUE(std::isnan(rse[1]));
  EXPECT_EQ(unit(file(), t + "rse_percent"), "%");
  EXPECT_EQ(doubles(file(), t + "ci_lower")[0], 0.85);
  EXPECT_EQ(doubles(file(), t + "ci_upper")[0], 1.84);
  // parameter 0 profiled with an open upper side; parameter 1 not profiled
  const auto pl = doubles(file(), t + "profile_lower"), pu = doubles(file(), t + "profile_upper");
  EXPECT_EQ(pl[0], 0.95);
  EXPECT_TRUE(std::isnan(pu[0]));
  EXPECT_TRUE(std::isnan(pl[1]));
  EXPECT_TRUE(std::isnan(pu[1]));
  EXPECT_EQ(ints(file(), t + "identifiable"), (std::vector<int>{0, -1}));
  EXPECT_EQ(ints(file(), t + "at_bound"), (std::vector<int>{0, 1}));
  EXPECT_EQ(doubles(file(), t + "initial"), (std::vector<double>{1.0, 0.1}));
  EXPECT_EQ(doubles(file(), t + "lower"), (std::vector<double>{0.1, 0.0}));
  EXPECT_EQ(doubles(file(), t + "upper"), (std::vector<double>{10.0, kInf}));
  const auto median = doubles(file(), t + "prior_median");
  EXPECT_EQ(median[0], 1.0);
  EXPECT_TRUE(std::isnan(median[1]));
  const auto cv = doubles(file(), t + "prior_cv");
  EXPECT_NEAR(cv[0], 0.3, 1e-12);
  EXPECT_EQ(cv[1], 0.0);
  // every numeric column has a unit; those in the parameters' own units point at the unit column
  for (const char* c : {"estimate", "se", "ci_lower", "ci_upper", "profile_lower", "profile_upper",
                        "initial", "lower", "upper", "prior_median"})
    EXPECT_EQ(unit(file(), t + c), "per row: see column 'unit'") << c;
  for (const char* c : {"identifiable", "at_bound", "prior_cv"}) EXPECT_EQ(unit(file(), t + c), "1") << c;
}

TEST_F(FitFile, CorrelationAndCovarianceAreSquareRowMajorWithNames) {
  const std::string e = "/estimations/0/";
  EXPECT_EQ(doubles(file(), e + "correlation"), (std::vector<double>{1.0, -0.5, -0.5, 1.0}));
  const auto cov = doubles(file(), e + "covariance_phi");
  ASSERT_EQ(cov.size(), 4u);
  EXPECT_EQ(cov[0], 0.04);
  EXPECT_EQ(cov[1], 0.001);
  EXPECT_TRUE(std::isnan(cov[3]));
  hdf5::Dataset ds = open_dataset(file(), e + "correlation");
  hdf5::Dataspace space(H5Dget_space(ds.get()), "correlation");
  hsize_t dims[2] = {0, 0};
  ASSERT_EQ(H5Sget_simple_extent_ndims(space.get()), 2);
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  EXPECT_EQ(dims[0], 2u);
  EXPECT_EQ(dims[1], 2u);
  hdf5::Attribute names(H5Aopen(ds.get(), "names", H5P_DEFAULT), "names");
  hdf5::Datatype type(H5Aget_type(names.get()), "names");
  std::vector<char*> p(2, nullptr);
  hdf5::check(H5Aread(names.get(), type.get(), p.data()), "names");
  EXPECT_STREQ(p[0], "gut.absorption_scale");
  EXPECT_STREQ(p[1], "error.serum_mg_total.additive");
  for (char* s : p) H5free_memory(s);
}

TEST_F(FitFile, PredictionsNameTheirSubjectSeriesUnitAndWindow) {
  const std::string t = "/estimations/0/predictions/";
  // the fit's subject 0 is record subject 1 ("12"), its subject 1 record subject 0 ("7")
  EXPECT_EQ(texts(file(), t + "subject"), (std::vector<std::string>{"12", "12", "7"}));
  EXPECT_EQ(texts(file(), t + "series"),
            (std::vector<std::string>{"serum_mg_total", "cum_urine", "serum_mg_total"}));
  EXPECT_EQ(texts(file(), t + "unit"), (std::vector<std::string>{"mmol/L", "mmol", "mmol/L"}));
  EXPECT_EQ(doubles(file(), t + "time_h"), (std::vector<double>{24, 48, 24}));
  const auto start = doubles(file(), t + "start_h");
  EXPECT_TRUE(std::isnan(start[0]));
  EXPECT_EQ(start[1], 24);
  EXPECT_TRUE(std::isnan(start[2]));
  EXPECT_EQ(doubles(file(), t + "observed"), (std::vector<double>{0.3, 2.8, 0.82}));
  EXPECT_EQ(doubles(file(), t + "predicted"), (std::vector<double>{0.80, 2.5, 0.78}));
  EXPECT_EQ(ints(file(), t + "censored"), (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(doubles(file(), t + "sd"), (std::vector<double>{0.05, 0.3, 0.05}));
  EXPECT_EQ(doubles(file(), t + "weighted_residual"), (std::vector<double>{0.5, -1.0, 0.0}));
  EXPECT_EQ(doubles(file(), t + "ofv"), (std::vector<double>{1.1, 2.2, 0.3}));
  EXPECT_EQ(texts(file(), t + "where"),
            (std::vector<std::string>{"fit.yaml:24:7", "fit.yaml:48:7", "fit.yaml:24:7"}));
  EXPECT_EQ(unit(file(), t + "time_h"), "h");
  EXPECT_EQ(unit(file(), t + "start_h"), "h");
  EXPECT_EQ(unit(file(), t + "weighted_residual"), "1");
  EXPECT_EQ(unit(file(), t + "censored"), "1");
}

TEST_F(FitFile, AProfileIsATableWithItsIntervalAndVerdict) {
  const std::string g = "/estimations/0/profiles/gut.absorption_scale";
  EXPECT_EQ(doubles(file(), g + "/value"), (std::vector<double>{0.9, 1.25, 2.0}));
  EXPECT_EQ(doubles(file(), g + "/delta_ofv"), (std::vector<double>{4.5, 0.0, 1.5}));
  EXPECT_EQ(ints(file(), g + "/converged"), (std::vector<int>{1, 1, 0}));
  EXPECT_EQ(unit(file(), g + "/value"), "1");
  EXPECT_EQ(unit(file(), g + "/delta_ofv"), "1");
  EXPECT_EQ(number_attribute(file(), g, "lower"), 0.95);
  EXPECT_TRUE(std::isnan(number_attribute(file(), g, "upper")));
  EXPECT_EQ(number_attribute(file(), g, "identifiable"), 0);
  EXPECT_EQ(text_attribute(file(), g, "note"), "delta OFV stays below 3.84 up to the upper bound");
  EXPECT_EQ(text_attribute(file(), g, "units"), "1");
  EXPECT_FALSE(hdf5::has_link(file(), "/estimations/0/profiles/error.serum_mg_total.additive"));
}

TEST(FitFileErrors, AnUnwritablePathIsARuntimeErrorNamingTheFile) {
  Example example;
  magsim::testing::TempDir dir;
  const std::string path = (dir / "no_such_folder" / "fit.h5").string();
  try {
    write_fit_file(path, example.record);
    FAIL() << "wrote into a folder that does not exist";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + path + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(FitFileErrors, AnInconsistentRecordIsRefusedBeforeAnythingIsWritten) {
  Example example;
  example.result.predictions.push_back({2, 0, 1.0, 0.1, 0.0, 0.0});  // the fit has 2 subjects
  magsim::testing::TempDir dir;
  const std::string path = (dir / "fit.h5").string();
  EXPECT_THROW(write_fit_file(path, example.record), std::invalid_argument);
  EXPECT_FALSE(fs::exists(path));
}
