// magsim: entry point and command dispatch.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "app/model.hpp"
#include "app/mpi/sweep_ranks.hpp"

namespace {

const char* kUsage =
    "usage: magsim COMMAND [ARGS]\n"
    "\n"
    "Whole-body magnesium simulation.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o OUT.h5] [--set PATH=VALUE]...   simulate one scenario, write HDF5\n"
    "  check SCENARIO.yaml [--resolved]                      validate, print warnings\n"
    "  params                                                list every model parameter\n"
    "  validate [--report DIR]                               literature validation suite\n"
    "  sensitivity SCENARIO.yaml --output SERIES.STAT        local sensitivities, ranked\n"
    "  sweep SWEEP.yaml [-o OUT.h5] [--threads N] [--shard I/N] [--resume]\n"
    "                                                        many runs (grid, samples, population)\n"
    "  merge OUT.h5 SHARD.h5...                              join a sweep's shard files\n"
    "  dataset check MAPPING.yaml [DATA.csv]                 read an event dataset (CSV)\n"
    "  dataset to-scenarios MAPPING.yaml [DATA.csv] -o DIR   one scenario and observations per ID\n"
    "  fit FIT.yaml [-o OUT.h5] [--report DIR] [--profile]   estimate parameters from data\n"
    "  profile FIT.yaml [--parameter NAME]...                profile-likelihood intervals\n"
    "  docs TOPIC | --write DOCS_DIR                         the generated documentation pages\n"
    "\n"
    "options:\n"
    "  --version     version and build information\n"
    "  -h, --help    this text; `magsim COMMAND --help` for a command\n"
    "\n"
    "exit codes: 0 ok, 1 other failure, 2 bad input, 3 numerical failure\n"
    "documentation: docs/README.md in the source tree\n";

void print_version() {
  const auto& info = magsim::app::model().info();
  std::cout << "magsim " << magsim::app::version() << " (git " << magsim::app::git_revision()
            << ")\n"
            << "model: " << info.name << " " << info.version << " (" << info.states.size()
            << " states, " << info.parameters.size() << " parameters)\n"
            << "built with: g++ " << __VERSION__ << ", C++" << __cplusplus / 100 % 100 << "\n";
}

}  // namespace

const char* magsim::cli::main_usage() { return kUsage; }

int main(int argc, char** argv) {
  using namespace magsim::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kBadInput;
  }
  const std::string command = args.front();
  const Args rest(args.begin() + 1, args.end());
  try {
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return kOk;
    }
    if (command == "--version" || command == "version") {
      print_version();
      return kOk;
    }
    if (command == "run") return run_command(rest);
    if (command == "check") return check_command(rest);
    if (command == "params") return params_command(rest);
    if (command == "validate") return validate_command(rest);
    if (command == "sensitivity") return sensitivity_command(rest);
    if (command == "sweep") {
      // Under mpirun, `magsim` (no MPI) becomes `magsim-mpi` (app/mpi/sweep_ranks.hpp).
      if (magsim::app::launched_by_mpirun()) {
        const std::string failure = magsim::app::exec_mpi_executable(argv);
        if (!failure.empty()) {
          std::cerr << "magsim sweep: error: " << failure << "\n";
          return kFailure;
        }
      }
      return sweep_command(rest);
    }
    if (command == "merge") return merge_command(rest);
    if (command == "fit") return fit_command(rest);
    if (command == "profile") return profile_command(rest);
    if (command == "dataset") return dataset_command(rest);
    if (command == "docs") return docs_command(rest);
    std::cerr << "magsim: error: unknown command '" << command << "'\n\n" << kUsage;
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "magsim: error: " << e.what() << "\n";
    return kFailure;
  }
}
