// The two kinds of failure a user can meet, with what they need to act on it.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace magsim::engine {

// A number in a message: six significant digits, with an exponent when large or small ("%g"),
// so that 1e300 is "1e+300", not 301 digits ("%f" or std::to_string).
inline std::string message_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Bad input in a scenario file: printed as "file:line:column: error: message", exit code 2.
class ScenarioError : public std::runtime_error {
 public:
  // A message that echoes hostile input (a 13 MB unit string) is cut in the middle.
  ScenarioError(std::string file, int line, int column, const std::string& message)
      : std::runtime_error(shortened(message)), file_(std::move(file)), line_(line), column_(column) {}
  static std::string shortened(const std::string& m, std::size_t max = 1000) {
    if (m.size() <= max) return m;
    const std::size_t head = max * 2 / 3, tail = max / 4;
    return m.substr(0, head) + " [... " + std::to_string(m.size() - head - tail) +
           " characters left out ...] " + m.substr(m.size() - tail);
  }
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // "file:line:column: error: message"
  std::string formatted() const {
    return file_ + ":" + std::to_string(line_) + ":" + std::to_string(column_) +
           ": error: " + what();
  }

 private:
  std::string file_;
  int line_;
  int column_;
};

// A numerical failure: which stage (steady state Newton, steady state integration, integration),
// at what simulated time, with what residual or step size. Exit code 3.
class SimulationError : public std::runtime_error {
 public:
  SimulationError(std::string stage, double time_h, const std::string& message)
      : std::runtime_error(stage + " failed at t = " + message_number(time_h) + " h: " + message),
        stage_(std::move(stage)),
        time_h_(time_h) {}
  const std::string& stage() const { return stage_; }
  double time_h() const { return time_h_; }

 private:
  std::string stage_;
  double time_h_;
};

}  // namespace magsim::engine
