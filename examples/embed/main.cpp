// Embedding magsim: load a scenario file, simulate it with the magnesium model and print the
// serum magnesium at the end of the run, with its unit. Built against an installed magsim
// (find_package(magsim), see CMakeLists.txt and README.md here). It uses only app/, the façade
// that magsim's own command line and Python module call; the engine's and the model's headers
// (engine/..., models/magnesium/...) are installed too, for programs that go deeper.
//
//   embed SCENARIO.yaml [PATH=VALUE ...]     e.g. embed healthy_adult.yaml subject.egfr="30 mL/min/1.73m2"
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "app/model.hpp"
#include "app/scenario_loading.hpp"
#include "app/simulate.hpp"

namespace {

// Keeps one output of the latest sample only: the run streams its samples, so memory stays
// constant however long the run is.
class LastValue : public magsim::app::SampleSink {
 public:
  explicit LastValue(std::string output) : name_(std::move(output)) {}
  void begin(const magsim::app::ModelInfo& info) override {
    for (std::size_t k = 0; k < info.outputs.size(); ++k)
      if (info.outputs[k].name == name_) {
        index_ = static_cast<int>(k);
        unit_ = info.outputs[k].unit;
        description_ = info.outputs[k].description;
      }
  }
  void sample(double t_h, const double* outputs, const double*) override {
    t_h_ = t_h;
    if (index_ >= 0) value_ = outputs[index_];
  }
  bool found() const { return index_ >= 0; }
  int index_ = -1;
  double t_h_ = 0, value_ = 0;
  std::string name_, unit_, description_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SCENARIO.yaml [PATH=VALUE ...]\n", argv[0]);
    return 2;
  }
  const std::vector<std::string> sets(argv + 2, argv + argc);
  // A bad file or edit is printed as FILE:LINE:COLUMN: error: ... (as `magsim check` does).
  const auto loaded = magsim::app::load_scenario_or_report(argv[1], sets);
  if (!loaded) return 2;

  LastValue serum("serum_mg_total");
  try {
    const auto stats = magsim::app::simulate(*loaded, serum);
    if (!serum.found()) {
      std::fprintf(stderr, "embed: the model has no output serum_mg_total\n");
      return 1;
    }
    std::printf("magsim %s: %s\n", magsim::app::version().c_str(), argv[1]);
    std::printf("%s (serum_mg_total) at %.6g h: %.6g %s\n", serum.description_.c_str(),
                serum.t_h_, serum.value_, serum.unit_.c_str());
    std::printf("solver: %ld steps in %.3g s\n", stats.steps, stats.wall_seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}
