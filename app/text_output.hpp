// Text outputs (scenarios, reports, CSV) written the way magsim writes every file: to a fresh
// temporary name beside the target, synced, then renamed onto it.
#pragma once

#include <string>

namespace magsim::app {
// Writes `text` to `path` through a fresh temporary file beside it (synced, then renamed onto
// it), so that `path` is never seen half written. Refuses (std::runtime_error "cannot write
// <what> '<path>': ...") a path that exists and is not a regular file, or whose directory is
// missing or not writable.
void write_text_file(const std::string& path, const std::string& text, const std::string& what);

// The checks made before a command starts work that ends in writing `path` (a fit, a sweep):
// its directory exists and is writable and `path` is absent or a regular file. Throws
// std::runtime_error "cannot write <what> '<path>': ..." otherwise.
void check_output_path(const std::string& path, const std::string& what);

// A fresh temporary name ".NAME.tmp.HOST.PID.N" beside `path`, after removing the temporaries of
// `path` that dead processes of this host left.
std::string fresh_temporary_path(const std::string& path);
}  // namespace magsim::app
