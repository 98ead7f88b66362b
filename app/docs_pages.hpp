// The generated pages of docs/, made from the program's own tables so that they cannot fall
// behind it (`magsim docs`; tests/test_docs.cpp compares them with the committed pages).
#pragma once

#include <string>

namespace magsim::app {

// The comment that opens every generated page: how it was made and how to regenerate it.
std::string generated_page_header(const std::string& topic);

// docs/vocabulary.md: salt forms, drugs, conditions, measured start values, output series,
// clinical thresholds, the limits behind `magsim check`'s warnings, unit kinds.
std::string vocabulary_page();
// docs/parameters.md: every model parameter with unit, range, source and note.
std::string parameters_page();
// docs/validation-cases.md: the validation cases of `cases_dir` (ScenarioError for a bad file).
std::string validation_cases_page(const std::string& cases_dir);

}  // namespace magsim::app
