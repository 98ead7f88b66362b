// Whole runs of the magnesium model for the physiology tests: simulate a scenario into memory and
// read an output by name at a time (nearest sample) or between two times.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "engine/solve/memory_sink.hpp"
#include "engine/solve/simulator.hpp"
#include "models/magnesium/magnesium.hpp"

namespace magsim::testing {

inline int output_index(const std::string& name) {
  const int k = models::magnesium::model().info().find_output(name);
  EXPECT_GE(k, 0) << name;
  return k;
}

inline engine::MemorySink run(const engine::Scenario& sc) {
  engine::MemorySink sink;
  engine::simulate(models::magnesium::model(), models::magnesium::make_problem(sc), sink);
  return sink;
}

// Value of an output at the sample nearest to t (h).
inline double at(const engine::MemorySink& s, const std::string& name, double t) {
  const int k = output_index(name);
  size_t best = 0;
  for (size_t i = 0; i < s.time.size(); ++i)
    if (std::abs(s.time[i] - t) < std::abs(s.time[best] - t)) best = i;
  return s.output(best, k);
}

// Change of a cumulative output from t0 to t1 (h).
inline double between(const engine::MemorySink& s, const std::string& cumulative, double t0, double t1) {
  return at(s, cumulative, t1) - at(s, cumulative, t0);
}

}  // namespace magsim::testing
