// Counter-based random numbers for sweeps: every number is a pure function of
// (seed, stream, run index, draw number), so run i gets the same inputs whether it is computed
// alone, in a batch, on another thread, rank or shard, or after a --resume.
//
// The generator is Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
// as 1, 2, 3", SC'11), which passes TestU01's BigCrush. Its multipliers and Weyl key increments
// below are the published constants; the known-answer vectors in tests/test_sweep_design.cpp are
// the ones distributed with the authors' Random123 library (kat_vectors).
//
// Layout of the 192 Philox input bits:
//   key     (64 bit)  = mix64(seed ^ mix64(stream))   — a bijection in seed for a fixed stream and
//                                                        in stream for a fixed seed
//   counter (128 bit) = (draw block low, draw block high, run low, run high)
// One Philox call gives 128 bits = two uniform doubles, so uniform draw d lives in block d / 2.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace magsim::engine::sweep {

// 64-bit FNV-1a hash (Fowler, Noll & Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3,
// as in draft-eastlake-fnv). Used to turn a stream's name ("covariate:sex") into a stream id that
// is stable across versions, platforms and the order in which streams are declared.
constexpr std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The id of a named random stream. Give each independent use its own name, so adding a new use
// (a covariate, a varied parameter) never shifts the numbers any other use draws.
constexpr std::uint64_t stream_id(std::string_view name) { return fnv1a_64(name); }

// SplitMix64's output finalizer (Steele, Lea & Flood, OOPSLA 2014): a bijective 64-bit mixer.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

// Philox4x32 with 10 rounds: a keyed bijection of 128-bit counters.
constexpr PhiloxCounter philox4x32_10(PhiloxCounter c, PhiloxKey k) {
  constexpr std::uint64_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kWeyl0;
      k[1] += kWeyl1;
    }
    const std::uint64_t p0 = kMul0 * c[0];
    const std::uint64_t p1 = kMul1 * c[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

// The random numbers of one run in one stream of one sweep: a cheap value (three words), with no
// state that advances. uniform(d) and normal(d) are pure functions of d.
class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t run, std::uint64_t stream)
      : run_(run) {
    const std::uint64_t key = mix64(seed ^ mix64(stream));
    key_ = {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)};
  }
  RandomStream(std::uint64_t seed, std::uint64_t run, std::string_view stream_name)
      : RandomStream(seed, run, stream_id(stream_name)) {}

  // 64 random bits: draw d of this run and stream.
  std::uint64_t bits(std::uint64_t draw) const {
    const std::uint64_t block = draw >> 1;
    const PhiloxCounter out = philox4x32_10(
        {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
         static_cast<std::uint32_t>(run_), static_cast<std::uint32_t>(run_ >> 32)},
        key_);
    const std::size_t half = (draw & 1) * 2;
    return (static_cast<std::uint64_t>(out[half]) << 32) | out[half + 1];
  }

  // Uniform on the open interval (0, 1): the top 53 bits k give (k + 1/2) / 2^53, so neither 0
  // nor 1 ever occurs (log(u) and log(1-u) are always finite). Uniform draw d uses bits(d).
  double uniform(std::uint64_t draw) const {
    return (static_cast<double>(bits(draw) >> 11) + 0.5) * 0x1.0p-53;
  }

  // Standard normal by Box–Muller (cosine branch) from uniform(2d) and uniform(2d + 1), so normal
  // draw d shares its bits with uniform draws 2d and 2d+1: use separate streams for uniform and
  // normal draws that must be independent.
  double normal(std::uint64_t draw) const {
    const double u1 = uniform(2 * draw), u2 = uniform(2 * draw + 1);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
  }

  std::uint64_t run() const { return run_; }

 private:
  PhiloxKey key_{};
  std::uint64_t run_ = 0;
};

}  // namespace magsim::engine::sweep
