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
    reconstructed.clear();
  }
  void sample(double t, const double* y, const double* x) override { record(t, y, x, 0); }
  void sample_reconstructed(double t, const double* y, const double* x) override {
    record(t, y, x, 1);
  }
  double output(size_t sample, size_t k) const { return outputs[sample * n_outputs_ + k]; }
  double state(size_t sample, size_t i) const { return states[sample * n_states_ + i]; }

  std::vector<double> time;
  std::vector<double> outputs;  // row-major: sample x output
  std::vector<double> states;   // row-major: sample x state
  std::vector<char> reconstructed;  // per sample: 1 when reconstructed (envelope), else 0

 private:
  void record(double t, const double* y, const double* x, char flag) {
    time.push_back(t);
    reconstructed.push_back(flag);
    outputs.insert(outputs.end(), y, y + n_outputs_);
    states.insert(states.end(), x, x + n_states_);
  }
  size_t n_outputs_ = 0;
  size_t n_states_ = 0;
};

}  // namespace magsim::engine
