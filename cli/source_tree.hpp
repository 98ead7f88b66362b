// What commands find in the source tree beside the binary (validation cases, plotting scripts)
// and how they run a Python script.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace magsim::cli {

// A file of the source tree (from the build's source directory, or relative to build/bin/magsim);
// empty if not found.
std::filesystem::path find_in_source(const std::filesystem::path& relative);

// The Python with NumPy and matplotlib that the build found (/usr/bin/python3 by default).
std::string python_interpreter();

// Runs `python script args...` without a shell (arguments pass as they are) and waits; true if it
// exited with 0.
bool run_python_script(const std::filesystem::path& script, const std::vector<std::string>& args);

}  // namespace magsim::cli
