// What the HDF5 writers (a run: run_writer.cpp; a sweep: sweep_file.cpp) need, on top of
// atomic_file.hpp, to write a file
// atomically: the file is created at a fresh temporary name next to its final path, checked for
// room before large writes, and renamed onto the final path only when complete.
#pragma once

#include <hdf5.h>

#include <filesystem>
#include <string>

#include "engine/io/atomic_file.hpp"
#include "engine/io/hdf5_handles.hpp"

namespace magsim::engine::io::hdf5 {

// Bytes kept free for the final metadata flush: a failed flush is the one error HDF5 1.10
// cannot recover from (the file can then not be closed, and the library crashes at exit).
inline constexpr unsigned long long kFinishReserveBytes = 4ull << 20;

// The format-independent steps (atomic_file.hpp), under the names the HDF5 writers use.
using io::check_output_path;
using io::cannot_write_prefix;
using io::errno_text;
using io::fresh_temporary_path;
using io::publish_temporary;
using io::require_replaceable;

// True if this HDF5 build can write with `filter` (deflate, shuffle).
bool filter_can_encode(H5Z_filter_t filter);

struct TemporaryFile {
  File file;
  std::string path;  // the temporary name, in the final path's directory
};

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
