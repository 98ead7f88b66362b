#include "app/text_output.hpp"

#include "engine/io/atomic_file.hpp"

namespace magsim::app {

void write_text_file(const std::string& path, const std::string& text, const std::string& what) {
  engine::AtomicTextFile file(path, what);
  file.write(text);
  file.commit();
}

}  // namespace magsim::app
