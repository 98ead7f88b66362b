// Reading an input file (scenario, sweep file, base scenario, validation case) whole. A
// directory, or anything else that is not a regular file, FIFO or character device, is refused
// by name: std::ifstream opens a directory on Linux and reads it as empty, which once made a
// directory given as a sweep's base scenario read as "the scenario is empty".
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace magsim::engine {

// Thrown with the reason only ("it is a directory, not a file", "No such file or directory");
// callers add what they were reading and where it was named.
class InputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input file is text a person wrote: 64 MiB is far beyond any scenario or sweep file (one
// YAML value is at most 65536 characters, a file at most 1e6 values), and it stops a character
// device such as /dev/zero from being read until memory runs out.
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{64} << 20;

inline std::string read_input_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw InputFileError(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputFileError("it is a directory, not a file");
  // FIFOs and character devices stay readable: `magsim run <(generate)`, /dev/stdin.
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
    throw InputFileError("it is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputFileError(std::strerror(errno));
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxInputFileBytes)
      throw InputFileError("it is larger than 64 MiB, the limit for an input file");
  }
  if (in.bad()) throw InputFileError(std::strerror(errno));
  return text;
}

}  // namespace magsim::engine
