// Output formats (issue 13 item 4): the run writer chosen by extension, the CSV run file, the
// atomic text file, tables (sensitivity -o), and the one metric language.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "app/metrics.hpp"
#include "app/run_output.hpp"
#include "engine/io/atomic_file.hpp"
#include "engine/io/csv_writer.hpp"
#include "engine/io/table_file.hpp"
#include "engine/solve/series_statistics.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"
#include "tests/magsim_cli.hpp"
#include "tests/temp_files.hpp"
#include "tests/toy_models.hpp"

namespace magsim {
namespace {

namespace fs = std::filesystem;
using testing::run_magsim;
using testing::slurp;
using testing::TempDir;
using testing::write;

// Files in `dir` whose name holds ".tmp.": temporaries left behind.
int temporaries_in(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  return n;
}

// ---- the choice of writer ----------------------------------------------------------------

TEST(RunFormat, ChosenByExtensionOrFormatAndUnknownExtensionsRefused) {
  using app::RunFormat;
  EXPECT_EQ(app::run_format_for("a/b.h5", std::nullopt), RunFormat::Hdf5);
  EXPECT_EQ(app::run_format_for("b.HDF5", std::nullopt), RunFormat::Hdf5);
  EXPECT_EQ(app::run_format_for("b.csv", std::nullopt), RunFormat::Csv);
  EXPECT_EQ(app::run_format_for("b.nc", std::nullopt), RunFormat::NetCdf);
  EXPECT_EQ(app::run_format_for("b.txt", RunFormat::Csv), RunFormat::Csv);
  try {
    app::run_format_for("out.txt", std::nullopt);
    FAIL() << "a .txt output was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'.txt'"), std::string::npos) << m;
    EXPECT_NE(m.find(".csv"), std::string::npos) << m;
    EXPECT_NE(m.find("--format"), std::string::npos) << m;
  }
  EXPECT_THROW(app::run_format_for("noextension", std::nullopt), std::invalid_argument);
  EXPECT_THROW(app::parse_run_format("xlsx"), std::invalid_argument);
  EXPECT_EQ(app::parse_run_format("netcdf"), RunFormat::NetCdf);
}

// ---- CSV run file --------------------------------------------------------------------------

TEST(CsvRunWriter, NamesRowUnitsRowOneRowPerSampleThenCommentLines) {
  TempDir dir;
  const testing::OneCompartment model;
  const std::string path = (dir / "run.csv").string();
  engine::io::RunMetadata meta;
  meta.scenario_file = "toy.yaml";
  engine::io::CsvRunWriter w(path, meta);
  EXPECT_FALSE(fs::exists(path)) << "nothing at the final path before commit()";
  w.begin(model.info());
  const double y1[] = {0.5, 0.1}, x[] = {0, 0, 0};
  const double y2[] = {0.25, 1.0 / 3.0};
  w.sample(0, y1, x);
  w.sample(1.5, y2, x);
  w.set_attribute("wall_time", 0.125, "s");
  w.set_attribute("warnings", "line one\nline two");
  w.commit();
  EXPECT_EQ(temporaries_in(dir.path()), 0);
  std::ifstream in(path);
  std::string names, units, row1, row2;
  std::getline(in, names), std::getline(in, units), std::getline(in, row1), std::getline(in, row2);
  std::string expected_names = "time", expected_units = "h";
  for (const auto& o : model.info().outputs) {
    expected_names += "," + o.name;
    expected_units += "," + o.unit;
  }
  EXPECT_EQ(names, expected_names);
  EXPECT_EQ(units, expected_units);
  ASSERT_EQ(model.info().outputs.size(), 2u) << "the rows below assume the toy's two outputs";
  EXPECT_EQ(row1, "0,0.5,0.1");
  // Shortest round-trip form: 1/3 reads back exactly.
  EXPECT_EQ(row2, "1.5,0.25," + engine::io::shortest_number(1.0 / 3.0));
  EXPECT_EQ(std::stod(engine::io::shortest_number(1.0 / 3.0)), 1.0 / 3.0);
  const std::string text = slurp(path);
  EXPECT_NE(text.find("# wall_time: 0.125 s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# warnings: line one\n# warnings: line two\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# scenario_file: toy.yaml\n"), std::string::npos) << text;
}

TEST(CsvRunWriter, WithoutCommitLeavesNoTemporaryAndTheOldFileUntouched) {
  TempDir dir;
  const std::string path = (dir / "run.csv").string();
  write(path, "old contents\n");
  {
    const testing::OneCompartment model;
    engine::io::CsvRunWriter w(path, {});
    w.begin(model.info());
    EXPECT_TRUE(fs::exists(w.temporary_path()));
  }
  EXPECT_EQ(slurp(path), "old contents\n");
  EXPECT_EQ(temporaries_in(dir.path()), 0);
}

TEST(CsvRunWriter, RefusesNonRegularTargetsAndMissingFolders) {
  TempDir dir;
  fs::create_directory(dir / "sub");
  EXPECT_THROW(engine::io::CsvRunWriter((dir / "sub").string(), {}), std::runtime_error);
  ASSERT_EQ(::mkfifo((dir / "fifo.csv").c_str(), 0600), 0);
  try {
    engine::io::CsvRunWriter((dir / "fifo.csv").string(), {});
    FAIL() << "a FIFO was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  fs::create_symlink(dir / "target.csv", dir / "link.csv");
  EXPECT_THROW(engine::io::CsvRunWriter((dir / "link.csv").string(), {}), std::runtime_error);
  EXPECT_THROW(engine::io::CsvRunWriter((dir / "missing" / "x.csv").string(), {}), std::runtime_error);
  EXPECT_EQ(temporaries_in(dir.path()), 0);
}

TEST(CsvField, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(engine::io::csv_field("mmol/L"), "mmol/L");
  EXPECT_EQ(engine::io::csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(engine::io::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(engine::io::shortest_number(std::nan("")), "nan");
}

// ---- atomic text file ----------------------------------------------------------------------

TEST(AtomicTextFile, AppearsOnlyOnCommitAndLeavesNothingOnFailure) {
  TempDir dir;
  const std::string path = (dir / "t.tsv").string();
  {
    engine::io::AtomicTextFile f(path, "table");
    f.write(std::string(200000, 'x'));  // more than one buffer
    EXPECT_FALSE(fs::exists(path));
    f.commit();
  }
  EXPECT_EQ(fs::file_size(path), 200000u);
  {
    engine::io::AtomicTextFile f(path, "table");
    f.write("abandoned");
  }  // no commit: the temporary goes, the file stays
  EXPECT_EQ(fs::file_size(path), 200000u);
  EXPECT_EQ(temporaries_in(dir.path()), 0);
}

// ---- tables --------------------------------------------------------------------------------

TEST(TableFile, TsvCsvAndRefusedExtensions) {
  engine::io::Table t;
  t.attributes = {{"metric", false, 0, "", "serum_mg_total.mean"},
                  {"metric_value", true, 0.85, "mmol/L", ""}};
  t.columns = {{"parameter", "", "", true, {}, {"a.b", "c,d"}},
               {"sensitivity", "1", "", false, {0.5, -1.25}, {}}};
  EXPECT_EQ(engine::io::table_text(t, engine::io::TableFormat::Tsv),
            "# metric: serum_mg_total.mean\n# metric_value: 0.85 mmol/L\n"
            "parameter\tsensitivity\n\t1\na.b\t0.5\nc,d\t-1.25\n");
  EXPECT_EQ(engine::io::table_text(t, engine::io::TableFormat::Csv),
            "# metric: serum_mg_total.mean\n# metric_value: 0.85 mmol/L\n"
            "parameter,sensitivity\n,1\na.b,0.5\n\"c,d\",-1.25\n");
  EXPECT_THROW(engine::io::table_format_for("x.xlsx"), std::invalid_argument);
  EXPECT_EQ(engine::io::table_format_for("x.H5"), engine::io::TableFormat::Hdf5);
  TempDir dir;
  engine::io::write_table((dir / "t.h5").string(), t, "table");
  EXPECT_TRUE(fs::is_regular_file(dir / "t.h5"));
  EXPECT_EQ(temporaries_in(dir.path()), 0);
}

// ---- the metric language -------------------------------------------------------------------

TEST(Metric, SplitsAtTheFirstDotOutsideParentheses) {
  const auto m = engine::split_metric("serum_mg_total.time_below(0.7 mmol/L)");
  EXPECT_EQ(m.series, "serum_mg_total");
  EXPECT_EQ(m.statistic, "time_below");
  EXPECT_TRUE(m.has_argument);
  EXPECT_EQ(m.argument, "0.7 mmol/L");
  EXPECT_EQ(m.statistic_at, 15u);
  EXPECT_EQ(m.argument_at, 26u);
  const auto plain = engine::split_metric("absorbed_fraction");
  EXPECT_EQ(plain.series, "absorbed_fraction");
  EXPECT_EQ(plain.statistic_at, 0u);
}

// The offset a bad metric is reported at.
std::size_t error_offset(const std::string& text) {
  try {
    app::parse_metric(text, models::magnesium::model().info());
  } catch (const engine::MetricError& e) {
    return e.offset();
  }
  ADD_FAILURE() << "accepted: " << text;
  return 9999;
}

TEST(Metric, EveryStatisticAndNameParsesWithItsUnit) {
  const auto& info = models::magnesium::model().info();
  const auto below = app::parse_metric("serum_mg_total.time_below(0.7 mmol/L)", info);
  EXPECT_EQ(below.endpoint.statistic, engine::Statistic::TimeBelow);
  EXPECT_DOUBLE_EQ(below.endpoint.threshold, 0.7);
  EXPECT_EQ(below.unit, "h");
  // Converted through the element: 1.7 mg/dL of Mg is 0.6994 mmol/L (24.305 g/mol).
  const auto mg = app::parse_metric("serum_mg_total.time_above(1.7 mg/dL)", info);
  EXPECT_NEAR(mg.endpoint.threshold, 17.0 / 24.305, 1e-3);
  EXPECT_EQ(app::parse_metric("serum_mg_total.mean", info).unit, "mmol/L");
  EXPECT_EQ(app::parse_metric("urine_mg.last_24h", info).endpoint.series, "cum_urine");
  EXPECT_EQ(app::parse_metric("absorbed_fraction", info).unit, "%");
  EXPECT_EQ(app::parse_metric("retention", info).kind, app::Metric::Kind::Retention);
}

TEST(Metric, BadMetricsPointAtWhatIsWrong) {
  EXPECT_EQ(error_offset("serum_mg_total.median"), 15u);
  EXPECT_EQ(error_offset("serum_mgtotal.mean"), 0u);
  EXPECT_EQ(error_offset("serum_mg_total.time_below(0.7 mmol/L"), 36u);  // missing ')'
  EXPECT_EQ(error_offset("serum_mg_total.time_below(0.7 mmol/L)x"), 37u);
  EXPECT_EQ(error_offset("serum_mg_total.time_below"), 25u);              // needs (X UNIT)
  EXPECT_EQ(error_offset("serum_mg_total.mean(2 h)"), 19u);               // takes none
  EXPECT_EQ(error_offset("serum_mg_total.time_below(0.7 kg)"), 30u);       // wrong dimension
  EXPECT_EQ(error_offset("urine_mg.mean"), 9u);
  EXPECT_EQ(error_offset(""), 0u);
}

TEST(Metric, TimeBelowMatchesTheLinearCrossingOfADecay) {
  // amount(t) = A0 exp(-k t) with no input: below X after t* = ln(A0 / X) / k.
  const testing::OneCompartment model;
  engine::Problem p;
  p.parameters = {0.3};
  p.duration_h = 10;
  p.output_interval_h = 0.001;
  p.initial = engine::InitialKind::Given;
  p.initial_state = {2.0, 0, 0};
  p.solver.rtol = 1e-12;
  p.solver.atol = 1e-14;
  const auto e = engine::parse_endpoint("amount.time_below(1 " +
                                            model.info().outputs[0].unit + ")",
                                        model.info());
  engine::EndpointSink sink(e, p.duration_h);
  engine::simulate(model, p, sink);
  EXPECT_NEAR(sink.value(), 10 - std::log(2.0) / 0.3, 1e-4);
}

// ---- the command line ----------------------------------------------------------------------

const char* kShort =
    "name: short\n"
    "duration: 1 d\n"
    "supplements:\n"
    "  - {form: citrate, dose: 150 mg, times: [\"08:00\"]}\n";

TEST(CliFormats, RunWritesCsvWithUnitsRow) {
  TempDir dir;
  write(dir / "s.yaml", kShort);
  const auto r = run_magsim("run " + (dir / "s.yaml").string() + " -q -o " + (dir / "x.csv").string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(dir / "x.csv");
  std::string names, units, first;
  std::getline(in, names), std::getline(in, units), std::getline(in, first);
  EXPECT_EQ(names.rfind("time,serum_mg_total,", 0), 0u) << names;
  EXPECT_EQ(units.rfind("h,mmol/L,", 0), 0u) << units;
  EXPECT_EQ(first.rfind("0,", 0), 0u) << first;
  const std::string text = slurp(dir / "x.csv");
  EXPECT_NE(text.find("\n# mass_balance_error: "), std::string::npos);
  EXPECT_NE(text.find("\n# parameter body.weight: 70 kg\n"), std::string::npos);
  EXPECT_EQ(temporaries_in(dir.path()), 0);
}

TEST(CliFormats, RunWritesNetcdfThatXarrayOpensWithTheDefaultEngine) {
  TempDir dir;
  write(dir / "s.yaml", kShort);
  const std::string nc = (dir / "x.nc").string();
  const auto r = run_magsim("run " + (dir / "s.yaml").string() + " -q -o " + nc);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string check =
      std::string(MAGSIM_PYTHON) + " -c \"import xarray as xr, sys; ds = xr.open_dataset('" + nc +
      "'); assert ds['serum_mg_total'].attrs['units'] == 'mmol/L'; assert ds['time'][-1] == 24; "
      "ev = xr.open_dataset('" + nc + "', group='events'); assert ev['time'].attrs['units'] == 'h'\"";
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
}

TEST(CliFormats, FormatOverridesTheExtensionAndUnknownExtensionIsExit2BeforeRunning) {
  TempDir dir;
  write(dir / "s.yaml", kShort);
  const auto bad = run_magsim("run " + (dir / "s.yaml").string() + " -q -o " + (dir / "x.txt").string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("cannot tell the format of output"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("--format"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "x.txt"));
  EXPECT_EQ(temporaries_in(dir.path()), 0);
  const auto ok = run_magsim("run " + (dir / "s.yaml").string() + " -q --format csv -o " +
                             (dir / "x.txt").string());
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(slurp(dir / "x.txt").rfind("time,", 0), 0u);
  const auto unknown = run_magsim("run " + (dir / "s.yaml").string() + " --format xlsx");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown format 'xlsx'"), std::string::npos) << unknown.err;
}

TEST(CliFormats, SensitivityTsvAndOutputFile) {
  TempDir dir;
  write(dir / "s.yaml", kShort);
  const std::string base = "sensitivity " + (dir / "s.yaml").string() +
                           " --metric 'serum_mg_total.time_below(0.95 mmol/L)' -q --top 3";
  const auto tsv = run_magsim(base + " --tsv");
  ASSERT_EQ(tsv.code, 0) << tsv.err;
  EXPECT_EQ(tsv.out.rfind("# metric: serum_mg_total.time_below(0.95 mmol/L)\n# metric_value: ", 0), 0u)
      << tsv.out;
  EXPECT_NE(tsv.out.find("\nrank\tparameter\tvalue\tunit\tsensitivity\tnote\n1\t\t\t\t1\t\n1\t"),
            std::string::npos)
      << tsv.out;
  const auto file = run_magsim(base + " -o " + (dir / "sens.csv").string());
  ASSERT_EQ(file.code, 0) << file.err;
  EXPECT_NE(slurp(dir / "sens.csv").find("rank,parameter,value,unit,sensitivity,note\n"),
            std::string::npos);
  const auto bad = run_magsim(base + " -o " + (dir / "sens.txt").string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("'.txt'"), std::string::npos) << bad.err;
  const auto bad_metric = run_magsim("sensitivity " + (dir / "s.yaml").string() +
                                     " --metric 'serum_mg_total.time_below(0.7 mmol/L' -q");
  EXPECT_EQ(bad_metric.code, 2);
  EXPECT_NE(bad_metric.err.find("^ missing ')'"), std::string::npos) << bad_metric.err;
}

TEST(CliFormats, SweepSummaryErrorsPointAtTheColumnInsideTheMetric) {
  TempDir dir;
  write(dir / "s.yaml", kShort);
  write(dir / "w.yaml",
        "base: s.yaml\n"
        "sweep:\n"
        "  grid:\n"
        "    supplements[0].dose: [\"0 mg\", \"150 mg\"]\n"
        "summary: [serum_mg_total.time_below(0.7 mmol/X)]\n");
  const auto r = run_magsim("sweep " + (dir / "w.yaml").string() + " -o " + (dir / "w.h5").string());
  EXPECT_EQ(r.code, 2);
  // Line 5; the list item starts at column 11 and its unknown unit X is character 35 (from 0).
  EXPECT_NE(r.err.find("w.yaml:5:46: error: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace magsim
