#include "engine/model/model.hpp"

namespace magsim::engine {
namespace {
template <class Items>
int index_of(const Items& items, const std::string& name) {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return -1;
}
}  // namespace

int ModelInfo::find_state(const std::string& n) const { return index_of(states, n); }
int ModelInfo::find_parameter(const std::string& n) const { return index_of(parameters, n); }
int ModelInfo::find_output(const std::string& n) const { return index_of(outputs, n); }
int ModelInfo::find_route(const std::string& n) const { return index_of(routes, n); }
int ModelInfo::find_signal(const std::string& n) const { return index_of(signals, n); }

std::vector<double> ModelInfo::default_parameters() const {
  std::vector<double> p;
  p.reserve(parameters.size());
  for (const auto& q : parameters) p.push_back(q.value);
  return p;
}

}  // namespace magsim::engine
