// How magsim writes every output file, whatever its format: at a fresh temporary name beside the
// final path, synced, then renamed onto the final path, so that the final path never holds a
// half-written file. The HDF5 writers add what HDF5 needs on top (hdf5_atomic.hpp); text files
// (CSV, TSV, scenarios, reports) use AtomicTextFile directly.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace magsim::engine::io {

// "cannot write <what> '<final_path>': ", the start of every error message about an output.
std::string cannot_write_prefix(const std::string& what, const std::string& final_path);

// strerror-like text of an errno value.
std::string errno_text(int err);

// Throws "cannot write <what> '<path>': ..." unless `path` is absent or a regular file: magsim
// replaces only regular files by renaming onto them, never a device (/dev/null), a FIFO, a socket
// or a symbolic link (renaming would replace the link itself, not write where it points; give the
// path it points to). Checked before a run and again just before the final rename.
void require_replaceable(const std::string& path, const std::string& what);

// The checks made before creating anything, for a command to make them before it starts work
// that ends in writing `final_path`: `final_path` names a file in an existing, writable
// directory and is absent or a regular file (require_replaceable). Returns the directory.
// Errors read "cannot write <what> '<final_path>': <reason>".
std::filesystem::path check_output_path(const std::string& final_path, const std::string& what);

// A fresh temporary name ".NAME.tmp.HOST.PID.N" beside `final_path`, after removing the
// temporaries of `final_path` that dead processes of this host left (a killed run skips every
// clean-up). Another host's, or a live process's, are never touched.
std::string fresh_temporary_path(const std::string& final_path);

// Makes the closed file `temporary` durable (fsync), checks `final_path` again
// (require_replaceable: it may have changed meanwhile), renames `temporary` onto it and syncs
// the directory entry (best effort). Throws "cannot write <what> '<final_path>': ..." on failure,
// leaving `temporary` in place for the caller to remove.
void publish_temporary(const std::string& temporary, const std::string& final_path,
                       const std::string& what);

// A text file written through a temporary file beside its final path. The constructor checks
// the path (check_output_path) and creates the temporary exclusively; write() buffers and writes
// through; commit() flushes and publishes it (publish_temporary). Destroying it without commit()
// (an exception, a cancelled run) deletes the temporary and leaves the final path untouched.
// Errors are std::runtime_error "cannot write <what> '<final_path>': ...".
class AtomicTextFile {
 public:
  AtomicTextFile(std::string final_path, std::string what);
  ~AtomicTextFile();
  AtomicTextFile(const AtomicTextFile&) = delete;
  AtomicTextFile& operator=(const AtomicTextFile&) = delete;

  void write(std::string_view text);
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return tmp_; }

 private:
  void flush();
  [[noreturn]] void fail(int err);

  std::string path_, what_, tmp_;
  std::string buffer_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace magsim::engine::io
