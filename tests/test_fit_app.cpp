// Fit files end to end through the app layer (load, estimate, forecast scenario).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "app/fit.hpp"

namespace magsim::app {
namespace {

TEST(FitApp, ScratchRun) {
  const char* f = std::getenv("FITFILE");
  if (!f) GTEST_SKIP();
  FitSession s = load_fit(f);
  FitOptions o;
  o.progress = [](const std::string& l) { std::cerr << l << "\n"; };
  run_fit(s, o);
  const auto& r = s.estimations[0].result;
  for (size_t j = 0; j < s.spec.parameters.size(); ++j)
    std::cerr << s.spec.parameters[j].name << " " << r.estimate[j] << " se " << r.se[j] << " [" << r.ci_lower[j] << ", " << r.ci_upper[j] << "]\n";
  for (const auto& p : r.predictions) std::cerr << "obs " << p.observation << " pred " << p.predicted << " wres " << p.weighted_residual << "\n";
  std::cerr << r.message << " evals " << r.evaluations << "\n";
  if (std::getenv("PROFILE")) {
    run_profiles(s, {}, o);
  }
  std::cerr << forecast_scenario(s, 0, 0);
}

}  // namespace
}  // namespace magsim::app
