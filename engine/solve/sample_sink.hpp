// Where the integrator sends samples. Writers (HDF5, memory, summaries) implement this; the
// integrator calls sample() in time order as the run goes, so a writer can stream to disk.
#pragma once

#include <vector>

#include "engine/model/model.hpp"

namespace magsim::engine {

class SampleSink {
 public:
  virtual ~SampleSink() = default;
  // Called once before the first sample. `outputs` are the model's derived outputs; every
  // sample carries one value per output, in that order.
  virtual void begin(const ModelInfo& info) = 0;
  virtual void sample(double t_h, const double* outputs, const double* state) = 0;
  // A sample that was not integrated but reconstructed from neighbouring exact days (the
  // envelope method's skipped days). Sinks that do not mark samples take it as any other.
  virtual void sample_reconstructed(double t_h, const double* outputs, const double* state) {
    sample(t_h, outputs, state);
  }
  virtual void end() {}
};

// Sends every sample to several sinks.
class TeeSink : public SampleSink {
 public:
  explicit TeeSink(std::vector<SampleSink*> sinks) : sinks_(std::move(sinks)) {}
  void begin(const ModelInfo& info) override {
    for (auto* s : sinks_) s->begin(info);
  }
  void sample(double t, const double* y, const double* x) override {
    for (auto* s : sinks_) s->sample(t, y, x);
  }
  void sample_reconstructed(double t, const double* y, const double* x) override {
    for (auto* s : sinks_) s->sample_reconstructed(t, y, x);
  }
  void end() override {
    for (auto* s : sinks_) s->end();
  }

 private:
  std::vector<SampleSink*> sinks_;
};

}  // namespace magsim::engine
