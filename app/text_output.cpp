#include "app/text_output.hpp"

#include "engine/io/atomic_file.hpp"
#include "engine/io/hdf5_atomic.hpp"

namespace magsim::app {

void write_text_file(const std::string& path, const std::string& text, const std::string& what) {
  engine::io::AtomicTextFile file(path, what);
  file.write(text);
  file.commit();
}

void check_output_path(const std::string& path, const std::string& what) {
  engine::io::hdf5::check_output_path(path, what);
}

std::string fresh_temporary_path(const std::string& path) {
  return engine::io::hdf5::fresh_temporary_path(path);
}

}  // namespace magsim::app
