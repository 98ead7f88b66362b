// `magsim sweep` under mpirun, in the `magsim` executable: hand over to `magsim-mpi`
// (app/mpi/sweep_ranks.hpp, CMakeLists.txt's MPI section).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "app/mpi/sweep_ranks.hpp"

namespace magsim::app {

#if defined(MAGSIM_MPI_EXECUTABLE) && !defined(MAGSIM_WITH_MPI)

namespace {

// The directory of the running executable (Linux: /proc/self/exe), with a trailing '/'.
std::string own_directory() {
  std::vector<char> buf(4096);
  const ssize_t len = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (len <= 0) return {};
  const std::string path(buf.data(), static_cast<std::size_t>(len));
  return path.substr(0, path.rfind('/') + 1);
}

}  // namespace

std::string exec_mpi_executable(char** argv) {
  const std::string dir = own_directory();
  if (dir.empty())
    return std::string("cannot find the directory of this magsim (/proc/self/exe: ") +
           std::strerror(errno) + ") to start " + MAGSIM_MPI_EXECUTABLE + " for mpirun";
  const std::string path = dir + MAGSIM_MPI_EXECUTABLE;
  std::vector<char*> args;
  args.push_back(const_cast<char*>(path.c_str()));
  for (char** a = argv + 1; *a != nullptr; ++a) args.push_back(*a);
  args.push_back(nullptr);
  ::execv(path.c_str(), args.data());
  return "cannot start " + path + " (" + std::strerror(errno) +
         "): under mpirun, magsim sweep runs the magsim-mpi built with it; rebuild magsim with "
         "MPI, or run the sweep without mpirun (--threads N, or --shard I/N and magsim merge)";
}

#else

std::string exec_mpi_executable(char**) { return {}; }

#endif

}  // namespace magsim::app
