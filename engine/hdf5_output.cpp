#include "engine/hdf5_output.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace magsim::engine::hdf5 {

namespace fs = std::filesystem;

namespace {

std::string error_prefix(const std::string& what, const std::string& final_path) {
  return "cannot write " + what + " '" + final_path + "': ";
}

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

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

bool filter_can_encode(H5Z_filter_t filter) {
  if (H5Zfilter_avail(filter) <= 0) return false;
  unsigned flags = 0;
  if (H5Zget_filter_info(filter, &flags) < 0) return false;
  return (flags & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

void require_replaceable(const std::string& path, const std::string& what) {
  std::error_code ec;
  const auto st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) return;  // absent (or unreadable: the creation reports it)
  const std::string prefix = error_prefix(what, path);
  if (fs::is_symlink(st))
    throw std::runtime_error(prefix + "it is a symbolic link; magsim replaces only regular files "
                                      "(give the path it points to)");
  if (fs::is_directory(st)) throw std::runtime_error(prefix + "it is a directory");
  if (!fs::is_regular_file(st))
    throw std::runtime_error(prefix + "not a regular file (a device, FIFO or socket is never replaced)");
}

TemporaryFile create_temporary_beside(const std::string& final_path, const std::string& what) {
  const std::string prefix = error_prefix(what, final_path);
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

  const std::string ctx = prefix + "creating the file";
  PropertyList fcpl(H5Pcreate(H5P_FILE_CREATE), ctx);
  // Creation order keeps datasets and attributes in the order they were written, for h5py
  // listings and netCDF-4 readers.
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        ctx);
  check(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        ctx);
  PropertyList fapl(H5Pcreate(H5P_FILE_ACCESS), ctx);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), ctx);
  remove_stale_temporaries(dir, target);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string candidate = (dir / temporary_name(target)).string();
    if (fs::exists(candidate, ec)) continue;  // another process's: never touch it
    const hid_t id = H5Fcreate(candidate.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get());
    TemporaryFile t{File(id, prefix + "creating temporary file '" + candidate + "'"), candidate};
    return t;
  }
  throw std::runtime_error(prefix + "no free temporary file name in '" + dir.string() + "'");
}

void ensure_room(const std::string& file_path, unsigned long long bytes, const std::string& what,
                 const std::string& final_path) {
  const std::string prefix = error_prefix(what, final_path);
  const unsigned long long needed = bytes + kFinishReserveBytes;
  struct stat st {};
  const unsigned long long size =
      ::stat(file_path.c_str(), &st) == 0 ? static_cast<unsigned long long>(st.st_size) : 0;
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      size + needed > limit.rlim_cur)
    throw std::runtime_error(prefix + "the file would exceed the file size limit (" +
                             errno_text(EFBIG) + ")");
  struct statvfs vfs {};
  if (::statvfs(file_path.c_str(), &vfs) == 0) {
    const unsigned long long free_bytes = static_cast<unsigned long long>(vfs.f_bavail) *
                                          static_cast<unsigned long long>(vfs.f_frsize);
    if (free_bytes < needed)
      throw std::runtime_error(prefix + errno_text(ENOSPC) + ": " + std::to_string(free_bytes) +
                               " bytes free, " + std::to_string(needed) +
                               " needed to finish the file");
  }
}

int posix_descriptor(hid_t file) noexcept {
  void* handle = nullptr;
  if (file < 0 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr)
    return -1;
  return *static_cast<int*>(handle);
}

}  // namespace magsim::engine::hdf5
