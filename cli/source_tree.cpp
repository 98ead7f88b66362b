#include "cli/source_tree.hpp"

#include <sys/wait.h>
#include <unistd.h>


namespace magsim::cli {

namespace fs = std::filesystem;

namespace {

// The source tree, from the build (see CMakeLists.txt) or relative to build/bin/magsim.
std::vector<fs::path> source_dir_candidates() {
  std::vector<fs::path> out;
#ifdef MAGSIM_SOURCE_DIR_FOR_VALIDATION
  out.emplace_back(MAGSIM_SOURCE_DIR_FOR_VALIDATION);
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path() / ".." / "..");
  return out;
}

}  // namespace

fs::path find_in_source(const fs::path& relative) {
  for (const auto& dir : source_dir_candidates()) {
    std::error_code ec;
    if (fs::exists(dir / relative, ec)) return fs::weakly_canonical(dir / relative, ec);
  }
  return {};
}

std::string python_interpreter() {
#ifdef MAGSIM_PYTHON_FOR_VALIDATION
  return MAGSIM_PYTHON_FOR_VALIDATION;
#else
  return "/usr/bin/python3";
#endif
}


bool run_python_script(const fs::path& script, const std::vector<std::string>& args) {
  const std::string python = python_interpreter();
  std::vector<std::string> argv_text{python, script.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execv(python.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace magsim::cli
