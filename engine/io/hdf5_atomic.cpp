#include "engine/io/hdf5_atomic.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace magsim::engine::io::hdf5 {

namespace fs = std::filesystem;

bool filter_can_encode(H5Z_filter_t filter) {
  if (H5Zfilter_avail(filter) <= 0) return false;
  unsigned flags = 0;
  if (H5Zget_filter_info(filter, &flags) < 0) return false;
  return (flags & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

TemporaryFile create_temporary_beside(const std::string& final_path, const std::string& what) {
  const std::string prefix = cannot_write_prefix(what, final_path);
  const fs::path dir = check_output_path(final_path, what);

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
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string candidate = fresh_temporary_path(final_path);
    // Made here, exclusively, so that it is ours to delete if anything below fails. A block
    // written and cut off again proves there is room for the file's first bytes: a full disk is
    // reported here, as a plain error, because an H5Fcreate that fails to write its superblock
    // leaves a half-open file inside HDF5 1.10 (and "infinite loop closing library" at exit).
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;  // another process's: never touch it
    if (fd < 0)
      throw std::runtime_error(prefix + "cannot create temporary file '" + candidate + "' (" +
                               errno_text(errno) + ")");
    static const char kProbe[4096] = {};
    std::size_t done = 0;
    int err = 0;
    while (done < sizeof kProbe && err == 0) {
      const ssize_t put = ::write(fd, kProbe + done, sizeof kProbe - done);
      if (put < 0 && errno != EINTR) err = errno;
      if (put > 0) done += static_cast<std::size_t>(put);
    }
    if (err == 0 && ::ftruncate(fd, 0) != 0) err = errno;
    ::close(fd);
    if (err != 0) {
      ::unlink(candidate.c_str());
      throw std::runtime_error(prefix + "cannot create temporary file '" + candidate + "' (" +
                               errno_text(err) + ")");
    }
    const hid_t id = H5Fcreate(candidate.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
    if (id < 0) {
      const std::string what_failed = prefix + "creating temporary file '" + candidate + "'";
      ::unlink(candidate.c_str());
      throw_error(what_failed);
    }
    return TemporaryFile{File(id, prefix + "creating temporary file '" + candidate + "'"), candidate};
  }
  throw std::runtime_error(prefix + "no free temporary file name in '" + dir.string() + "'");
}

void ensure_room(const std::string& file_path, unsigned long long bytes, const std::string& what,
                 const std::string& final_path) {
  const std::string prefix = cannot_write_prefix(what, final_path);
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

void close_discarded_file(File& file, bool flush_failed) noexcept {
  if (!file) return;
  ErrorPrintingOff quiet;
  const int fd = posix_descriptor(file.get());
  if (fd >= 0) {
    const int sink = ::memfd_create("magsim-discarded-output", MFD_CLOEXEC);
    if (sink >= 0) {
      if (::dup2(sink, fd) < 0) (void)::ftruncate(fd, 0);
      ::close(sink);
    } else {
      (void)::ftruncate(fd, 0);  // at least free the space the file took
    }
  }
  if (flush_failed) (void)H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
  file.reset();
}

int posix_descriptor(hid_t file) noexcept {
  void* handle = nullptr;
  if (file < 0 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr)
    return -1;
  return *static_cast<int*>(handle);
}

}  // namespace magsim::engine::io::hdf5
