#include "engine/model/vocabulary.hpp"

namespace magsim::engine {
namespace {
template <class Items>
auto find_named(const Items& items, const std::string& name) -> decltype(&items[0]) {
  for (const auto& item : items)
    if (item.name == name) return &item;
  return nullptr;
}
}  // namespace

const SaltForm* Vocabulary::find_salt(const std::string& n) const { return find_named(salts, n); }
const DrugInfo* Vocabulary::find_drug(const std::string& n) const { return find_named(drugs, n); }
const ParameterInfo* Vocabulary::find_parameter(const std::string& n) const {
  return find_named(parameters, n);
}
const AlertThreshold* Vocabulary::find_threshold(const std::string& id) const {
  for (const auto& t : thresholds)
    if (t.id == id) return &t;
  return nullptr;
}
const MeasuredQuantity* Vocabulary::find_measurable(const std::string& n) const {
  return find_named(measurable, n);
}

}  // namespace magsim::engine
