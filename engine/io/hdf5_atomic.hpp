// What both HDF5 writers (one run: hdf5_writer.cpp; a sweep: hdf5_sweep.cpp) need to write a file
// atomically: the file is created at a fresh temporary name next to its final path, checked for
// room before large writes, and renamed onto the final path only when complete.
#pragma once

#include <hdf5.h>

#include <filesystem>
#include <string>

#include "engine/io/hdf5_handles.hpp"

namespace magsim::engine::io::hdf5 {

// Bytes kept free for the final metadata flush: a failed flush is the one error HDF5 1.10
// cannot recover from (the file can then not be closed, and the library crashes at exit).
inline constexpr unsigned long long kFinishReserveBytes = 4ull << 20;

// strerror-like text of an errno value.
std::string errno_text(int err);

// True if this HDF5 build can write with `filter` (deflate, shuffle).
bool filter_can_encode(H5Z_filter_t filter);

struct TemporaryFile {
  File file;
  std::string path;  // the temporary name, in the final path's directory
};

// Throws "cannot write <what> '<path>': ..." unless `path` is absent or a regular file: magsim
// replaces only regular files by renaming onto them, never a device (/dev/null), a FIFO, a socket
// or a symbolic link (renaming would replace the link itself, not write where it points; give the
// path it points to). Checked before a run and again just before the final rename.
void require_replaceable(const std::string& path, const std::string& what);

// The checks create_temporary_beside makes before creating anything, for a command to make them
// before it starts work that ends in writing `final_path` (a sweep, whose journal lives beside
// it): `final_path` names a file in an existing, writable directory and is absent or a regular
// file (require_replaceable). Returns the directory. Errors as create_temporary_beside's.
std::filesystem::path check_output_path(const std::string& final_path, const std::string& what);

// A fresh temporary name ".NAME.tmp.HOST.PID.N" beside `final_path` for a file that is not HDF5
// (the sweep journal's header is written there and renamed into place), after removing the
// temporaries of `final_path` that dead processes of this host left (as create_temporary_beside).
std::string fresh_temporary_path(const std::string& final_path);

// Checks that `final_path` names a file in an existing, writable directory (and is not itself
// a directory, nor any other non-regular file: require_replaceable), then creates an HDF5 file exclusively at a fresh temporary name beside it, with
// link and attribute creation order tracked and strong close. Errors read
// "cannot write <what> '<final_path>': <reason>".
TemporaryFile create_temporary_beside(const std::string& final_path, const std::string& what);

// Throws (with the same prefix) unless `bytes` more plus kFinishReserveBytes fit on the disk of
// `file_path` and under the process's file size limit.
void ensure_room(const std::string& file_path, unsigned long long bytes, const std::string& what,
                 const std::string& final_path);

// Closes a temporary file that is to be deleted after a write into it failed (full disk, size
// limit), so that HDF5 1.10 can close it at all. Closing retries the writes that failed and would
// fail again; HDF5 then frees the file but keeps its identifier, which crashes the library's
// shutdown at exit. So the file's descriptor is first pointed at an anonymous in-memory file: the
// closing writes land there, and the disk space of the temporary is released. After a failed
// metadata flush (`flush_failed`) HDF5 1.10 also refuses the close ("slist already enabled?")
// until one more flush has run and failed on that state; that flush is made here. Objects opened
// in the file (datasets, groups) must be closed before. `file` is empty afterwards.
void close_discarded_file(File& file, bool flush_failed) noexcept;

// The POSIX descriptor of an open file (sec2 driver), or -1.
int posix_descriptor(hid_t file) noexcept;

}  // namespace magsim::engine::io::hdf5
