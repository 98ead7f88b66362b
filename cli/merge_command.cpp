// magsim merge: the shard files of one sweep (magsim sweep --shard I/N, e.g. from a Slurm job
// array) joined into the file one process would have written.
#include <iostream>

#include "app/run_output.hpp"
#include "cli/commands.hpp"
#include "app/sweep.hpp"

namespace magsim::cli {
namespace {

const char* kMergeUsage =
    "usage: magsim merge OUT.h5 SHARD.h5 [SHARD.h5]...\n"
    "\n"
    "Join the shard files of one sweep into OUT.h5. The shards must come from the same sweep\n"
    "file, base scenario, magsim version and solver defaults (their fingerprints must match); a\n"
    "run found in two shards must be identical in both. Runs found in no shard stay not_run,\n"
    "with a warning.\n";

}  // namespace

int merge_command(const Args& args) {
  if (wants_help(args, kMergeUsage)) return kOk;
  for (const auto& a : args) {
    if (!a.empty() && a[0] == '-') {
      std::cerr << "magsim merge: error: unknown option '" << a << "'\n" << kMergeUsage;
      return kBadInput;
    }
  }
  if (args.size() < 2) {
    std::cerr << "magsim merge: error: give the output file and at least one shard file\n"
              << kMergeUsage;
    return kBadInput;
  }
  const std::vector<std::string> inputs(args.begin() + 1, args.end());
  if (const std::string in = app::input_at_output_path(args[0], inputs); !in.empty()) {
    std::cerr << "magsim merge: error: the output " << args[0] << " is also an input (" << in << ")\n";
    return kBadInput;
  }
  try {
    const auto r = app::merge_sweep_shards(args[0], inputs);
    std::cout << "merged " << r.inputs << " files: " << r.ok << " runs ok, " << r.failed
              << " failed, " << r.not_run << " not run\nwrote " << args[0] << "\n";
    if (r.not_run > 0)
      std::cerr << "magsim merge: warning: " << r.not_run
                << " runs are in none of the shards (a shard missing or unfinished?)\n";
  } catch (const std::exception& e) {
    std::cerr << "magsim merge: error: " << e.what() << "\n";
    return kFailure;
  }
  return kOk;
}

}  // namespace magsim::cli
