// Issue 11 item 3: the size of what a run writes and holds is known before it starts, and what
// cannot fit is refused with the figures instead of filling the disk or ending in std::bad_alloc.
#include <gtest/gtest.h>

#include <string>

#include "app/output_budget.hpp"
#include "app/scenario_loading.hpp"

namespace magsim {
namespace {

app::OutputEstimate estimate(const std::string& text) {
  return app::estimate_output(app::load_scenario_text(text, "budget.yaml", {}));
}

TEST(OutputBudget, OneSecondOverTenYearsIsCountedBeforeTheRun) {
  const auto e = estimate("duration: 10 y\noutput: {interval: 1 s}\n");
  EXPECT_NEAR(e.samples, 10 * 8766.0 * 3600, 3.0);  // 3.16e8 rows, the end and t = 0 included
  EXPECT_GT(e.series, 50.0);
  EXPECT_GE(e.file_bytes, e.samples * e.series * 8);
  EXPECT_NEAR(e.events, 3 * 10 * 365.25, 3.0);  // three meals a day
}

TEST(OutputBudget, ChosenVariablesShrinkTheFile) {
  const auto all = estimate("duration: 1 y\noutput: {interval: 1 min}\n");
  const auto two = estimate("duration: 1 y\noutput: {interval: 1 min, variables: [serum_mg_total, cum_urine]}\n");
  EXPECT_EQ(two.series, 3.0);
  EXPECT_LT(two.file_bytes, all.file_bytes / 10);
}

TEST(OutputBudget, ResultTooLargeForMemoryIsRefusedWithItsFigures) {
  // 5 s over 150 y of every output and state (9.5e8 samples): about 7e11 bytes, more than any
  // machine here.
  const auto e = estimate("duration: 150 y\noutput: {interval: 5 s}\ndiet: {magnesium: 300 mg/d}\n");
  const std::string why = app::memory_does_not_fit(e);
  ASSERT_FALSE(why.empty());
  EXPECT_NE(why.find("GB of memory"), std::string::npos) << why;
  EXPECT_NE(why.find("samples"), std::string::npos) << why;
  // A day at 1-h samples fits anywhere.
  EXPECT_EQ(app::memory_does_not_fit(estimate("duration: 1 d\n")), "");
}

TEST(OutputBudget, FileLargerThanTheFreeSpaceIsRefusedWithItsFigures) {
  auto e = estimate("duration: 1 d\n");
  EXPECT_EQ(app::file_does_not_fit(e, "/tmp/x.h5"), "");
  e.file_bytes = 1e30;  // more than any file system holds
  const std::string why = app::file_does_not_fit(e, "/tmp/x.h5");
  EXPECT_NE(why.find("/tmp has"), std::string::npos) << why;
  EXPECT_NE(why.find("free"), std::string::npos) << why;
}

TEST(OutputBudget, BytesAreWrittenInTheLargestUnit) {
  EXPECT_EQ(app::format_bytes(512), "512 B");
  EXPECT_EQ(app::format_bytes(2.45e8), "245 MB");
  EXPECT_EQ(app::format_bytes(7.6e9), "7.6 GB");
}

}  // namespace
}  // namespace magsim
