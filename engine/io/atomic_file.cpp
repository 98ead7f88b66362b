#include "engine/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <system_error>

namespace magsim::engine::io {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBufferBytes = 1 << 16;

// A name unique among writers in this process (counter) and across processes (pid).
// This machine's name, for temporary names: a process id means something only on its host.
std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "host";
  std::string h(buf);
  for (char& c : h)
    if (c == '.' || c == '/') c = '_';
  return h;
}

// ".NAME.tmp.HOST.PID.N" beside the final path.
std::string temporary_prefix(const fs::path& final_path) {
  return "." + final_path.filename().string() + ".tmp." + host_name() + ".";
}

std::string temporary_name(const fs::path& final_path) {
  static std::atomic<unsigned long> counter{0};
  return temporary_prefix(final_path) + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

// Temporaries that a killed run into the same path left behind (SIGKILL skips every cleanup):
// removed when they were made on this host by a process that no longer exists. Another host's,
// or a live process's, are never touched.
void remove_stale_temporaries(const fs::path& dir, const fs::path& final_path) {
  const std::string prefix = temporary_prefix(final_path);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());  // "PID.N"
    const std::size_t dot = rest.find('.');
    if (dot == 0 || dot == std::string::npos || dot > 9 ||
        rest.find_first_not_of("0123456789.") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dot)));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code rm;
    if (fs::is_regular_file(fs::symlink_status(it->path(), rm))) fs::remove(it->path(), rm);
  }
}

}  // namespace

std::string cannot_write_prefix(const std::string& what, const std::string& final_path) {
  return "cannot write " + what + " '" + final_path + "': ";
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

void require_replaceable(const std::string& path, const std::string& what) {
  std::error_code ec;
  const auto st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return;  // absent (or unreadable: the creation reports it)
  const std::string prefix = cannot_write_prefix(what, path);
  if (fs::is_symlink(st))
    throw std::runtime_error(prefix + "it is a symbolic link; magsim replaces only regular files "
                                      "(give the path it points to)");
  if (fs::is_directory(st)) throw std::runtime_error(prefix + "it is a directory");
  if (!fs::is_regular_file(st))
    throw std::runtime_error(prefix + "not a regular file (a device, FIFO or socket is never replaced)");
}

fs::path check_output_path(const std::string& final_path, const std::string& what) {
  const std::string prefix = cannot_write_prefix(what, final_path);
  if (final_path.empty()) throw std::runtime_error("cannot write " + what + ": empty output path");
  const fs::path target(final_path);
  if (target.filename().empty()) throw std::runtime_error(prefix + "not a file name");
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  // Caught now rather than by the final rename, after the whole run.
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  const std::string where = prefix + "directory '" + dir.string() + "'";
  if (ec || !fs::exists(status)) {
    throw std::runtime_error(where + " does not exist" +
                             (ec && ec != std::errc::no_such_file_or_directory
                                  ? " (" + ec.message() + ")"
                                  : std::string()));
  }
  if (!fs::is_directory(status)) throw std::runtime_error(where + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error(where + " is not writable (" + errno_text(errno) + ")");
  if (fs::is_directory(target, ec)) throw std::runtime_error(prefix + "it is a directory");
  require_replaceable(final_path, what);
  return dir;
}

std::string fresh_temporary_path(const std::string& final_path) {
  const fs::path target(final_path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  remove_stale_temporaries(dir, target);
  std::error_code ec;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const fs::path candidate = dir / temporary_name(target);
    if (!fs::exists(fs::symlink_status(candidate, ec))) return candidate.string();
  }
  throw std::runtime_error("cannot write '" + final_path + "': no free temporary file name in '" +
                           dir.string() + "'");
}

void publish_temporary(const std::string& temporary, const std::string& final_path,
                       const std::string& what) {
  const std::string prefix = cannot_write_prefix(what, final_path);
  // Durable before visible: a crash cannot leave an empty or partial file at the final path.
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(prefix + "cannot sync temporary file '" + temporary + "' (" +
                             errno_text(err) + ")");
  }
  ::close(fd);
  require_replaceable(final_path, what);
  if (std::rename(temporary.c_str(), final_path.c_str()) != 0)
    throw std::runtime_error(prefix + "cannot rename temporary file '" + temporary +
                             "' onto it (" + errno_text(errno) + ")");
  // Best effort: persist the directory entry too.
  fs::path dir = fs::path(final_path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

AtomicTextFile::AtomicTextFile(std::string final_path, std::string what)
    : path_(std::move(final_path)), what_(std::move(what)) {
  check_output_path(path_, what_);
  for (int attempt = 0; attempt < 1000 && fd_ < 0; ++attempt) {
    tmp_ = fresh_temporary_path(path_);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0 && errno != EEXIST)
      throw std::runtime_error(cannot_write_prefix(what_, path_) + "cannot create temporary file '" +
                               tmp_ + "' (" + errno_text(errno) + ")");
  }
  if (fd_ < 0)
    throw std::runtime_error(cannot_write_prefix(what_, path_) + "no free temporary file name");
  buffer_.reserve(kBufferBytes);
}

AtomicTextFile::~AtomicTextFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicTextFile::fail(int err) {
  throw std::runtime_error(cannot_write_prefix(what_, path_) + "writing temporary file '" + tmp_ + "' (" +
                           errno_text(err) + ")");
}

void AtomicTextFile::flush() {
  if (fd_ < 0) throw std::logic_error("AtomicTextFile: write after commit() of '" + path_ + "'");
  for (std::size_t done = 0; done < buffer_.size();) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno);
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void AtomicTextFile::write(std::string_view text) {
  buffer_.append(text);
  if (buffer_.size() >= kBufferBytes) flush();
}

void AtomicTextFile::commit() {
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
  publish_temporary(tmp_, path_, what_);
  committed_ = true;
}

}  // namespace magsim::engine::io
