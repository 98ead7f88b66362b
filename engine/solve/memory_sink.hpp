// Keeps samples in memory: for tests, summaries and the Python bindings.
#pragma once

#include <vector>

#include "engine/solve/sample_sink.hpp"

namespace magsim::engine {

class MemorySink : public SampleSink {
 public:
  void begin(const ModelInfo& info) override {
    n_outputs_ = info.outputs.size();
    n_states_ = info.states.size();
    time.clear();
    outputs.clear();
    states.clear();
  }
  void sample(double t, const double* y, const double* x) override {
    time.push_back(t);
    outputs.insert(outputs.end(), y, y + n_outputs_);
    states.insert(states.end(), x, x + n_states_);
  }
  double output(size_t sample, size_t k) const { return outputs[sample * n_outputs_ + k]; }
  double state(size_t sample, size_t i) const { return states[sample * n_states_ + i]; }

  std::vector<double> time;
  std::vector<double> outputs;  // row-major: sample x output
  std::vector<double> states;   // row-major: sample x state

 private:
  size_t n_outputs_ = 0;
  size_t n_states_ = 0;
};

}  // namespace magsim::engine
