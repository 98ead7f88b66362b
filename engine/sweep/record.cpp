#include "engine/sweep/record.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/sweep/random_stream.hpp"

namespace magsim::engine::sweep {

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::Ok: return "ok";
    case RunStatus::Failed: return "failed";
    case RunStatus::NotRun: break;
  }
  return "not_run";
}

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
void put_f64(std::string& out, double d) {
  std::uint64_t v = 0;
  std::memcpy(&v, &d, sizeof v);
  put_u64(out, v);
}
void put_str(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  std::uint64_t u64() {
    need(8);
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[pos_ + b])) << (8 * b);
    pos_ += 8;
    return v;
  }
  double f64() {
    const std::uint64_t v = u64();
    double d = 0;
    std::memcpy(&d, &v, sizeof d);
    return d;
  }
  std::string str() {
    const std::uint64_t n = u64();
    need(n);
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of items each at least `min_bytes` long: bounded by what is left, so that a corrupt
  // count cannot make us allocate without limit.
  std::uint64_t count(std::uint64_t min_bytes) {
    const std::uint64_t n = u64();
    if (min_bytes > 0 && n > (b_.size() - pos_) / min_bytes)
      throw std::runtime_error("sweep record: count " + std::to_string(n) + " exceeds the data");
    return n;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  void need(std::uint64_t n) const {
    if (n > b_.size() - pos_) throw std::runtime_error("sweep record: truncated");
  }
  std::string_view b_;
  std::size_t pos_ = 0;
};

constexpr std::uint64_t kMagic = 0x314452434e575347ULL;  // "GSWNCRD1"

}  // namespace

std::string encode_record(const RunRecord& r) {
  std::string out;
  put_u64(out, kMagic);
  put_u64(out, r.index);
  put_u64(out, static_cast<std::uint64_t>(r.status));
  put_str(out, r.message);
  put_u64(out, r.inputs.size());
  for (const auto& v : r.inputs) {
    put_f64(out, v.number);
    put_str(out, v.text);
  }
  put_u64(out, r.summaries.size());
  for (double d : r.summaries) put_f64(out, d);
  put_u64(out, r.series.size());
  for (const auto& s : r.series) {
    put_u64(out, s.size());
    for (double d : s) put_f64(out, d);
  }
  put_f64(out, r.wall_time_s);
  return out;
}

RunRecord decode_record(std::string_view bytes) {
  Reader in(bytes);
  if (in.u64() != kMagic) throw std::runtime_error("sweep record: bad magic number");
  RunRecord r;
  r.index = in.u64();
  const std::uint64_t status = in.u64();
  if (status > 2) throw std::runtime_error("sweep record: bad status " + std::to_string(status));
  r.status = static_cast<RunStatus>(status);
  r.message = in.str();
  r.inputs.resize(in.count(16));
  for (auto& v : r.inputs) {
    v.number = in.f64();
    v.text = in.str();
  }
  r.summaries.resize(in.count(8));
  for (double& d : r.summaries) d = in.f64();
  r.series.resize(in.count(8));
  for (auto& s : r.series) {
    s.resize(in.count(8));
    for (double& d : s) d = in.f64();
  }
  r.wall_time_s = in.f64();
  if (!in.done()) throw std::runtime_error("sweep record: trailing bytes");
  return r;
}

std::string fingerprint_of(std::string_view text) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a_64(text)));
  return hex;
}

}  // namespace magsim::engine::sweep
