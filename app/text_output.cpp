#include "app/text_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/io/hdf5_atomic.hpp"

namespace magsim::app {

void write_text_file(const std::string& path, const std::string& text, const std::string& what) {
  engine::io::hdf5::check_output_path(path, what);
  const std::string tmp = engine::io::hdf5::fresh_temporary_path(path);
  const std::string prefix = "cannot write " + what + " '" + path + "': ";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(prefix + std::strerror(errno));
  int err = 0;
  for (std::size_t done = 0; done < text.size() && err == 0;) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0) {
    try {
      engine::io::hdf5::require_replaceable(path, what);  // again: it may have changed meanwhile
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(prefix + std::strerror(err));
  }
}

void check_output_path(const std::string& path, const std::string& what) {
  engine::io::hdf5::check_output_path(path, what);
}

std::string fresh_temporary_path(const std::string& path) {
  return engine::io::hdf5::fresh_temporary_path(path);
}

}  // namespace magsim::app
