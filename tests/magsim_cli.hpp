// Running the magsim binary of this build from a test: exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/temp_files.hpp"

namespace magsim::testing {

struct CliOutcome {
  int code;  // the exit code; -1 when magsim did not exit normally (a signal)
  std::string out, err;
};

// `magsim ARGS` through the shell (ARGS is a shell command line suffix).
inline CliOutcome run_magsim(const std::string& args) {
  TempDir dir;
  const std::string cmd = std::string(MAGSIM_BINARY_DIR) + "/bin/magsim " + args + " >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out"), slurp(dir / "err")};
}

}  // namespace magsim::testing
