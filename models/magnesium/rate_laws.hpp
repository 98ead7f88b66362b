// Smooth building blocks shared by the flux files. Written once for double and for
// engine::Dual<N>, so the same expression gives both the value and the exact Jacobian. All of
// them are smooth where the physiology lives (no kinks for the stiff solver and Newton).
#pragma once

#include <cmath>

#include "engine/model/dual.hpp"

namespace magsim::models::magnesium {

using std::exp;
using std::log;
using std::pow;
using std::sqrt;
using engine::exp;
using engine::log;
using engine::pow;
using engine::sqrt;
using engine::value;

// x / (k + x): Michaelis-Menten saturation, 0 at x = 0, 1/2 at x = k.
template <class T>
T saturation(const T& x, double k) {
  return x / (k + x);
}

// A flux saturable in x (half-saturation k) that equals `reference_rate` at x = reference_x:
// Mg entry into cells and the choroid plexus's secretion into the CSF.
template <class T>
T saturable_at_reference(const T& x, double reference_rate, double reference_x, double k) {
  return reference_rate / saturation(reference_x, k) * saturation(x, k);
}

// x^n for a small whole n (a Hill coefficient declared as a parameter, rounded): exact and far
// cheaper than pow in a right-hand side evaluated millions of times.
template <class T>
T int_power(const T& x, double n) {
  const int k = static_cast<int>(n + 0.5);
  T r = T(1.0) + T(0.0) * x;  // keeps the derivative type
  for (int i = 0; i < k; ++i) r = r * x;
  return r;
}

// (x/k)^n for whole n, defined as 0 for x <= 0 so that a transient negative amount cannot flip
// the sign of a Hill term.
template <class T>
T hill_power(const T& x, double k, double n) {
  if (value(x) <= 0) return T(0.0) * x;  // keeps the derivative type; value 0
  return int_power(x / k, n);
}

// 1 / (1 + (x/k)^n): falls from 1 to 0 around x = k with (whole) steepness n.
template <class T>
T hill_off(const T& x, double k, double n) {
  return 1.0 / (1.0 + hill_power(x, k, n));
}

// Number of squarings k giving the power of two 2^k nearest a declared exponent n (n >= 2).
inline int power_of_two_steps(double n) {
  int k = 1;
  while (k < 6 && n > 1.5 * static_cast<double>(1 << k)) ++k;
  return k;
}

// 1 / (1 + x^n)^(1/n) for x >= 0 and n = 2^k: the smooth-minimum factor, min(a, b) ~ a * f(a/b),
// near 1 for x << 1 and near 1/x for x >> 1; larger n gives a sharper corner. Only squarings and
// square roots, so cheap and exact for Dual<N>.
template <class T>
T smooth_min_factor(const T& x, int k) {
  T xn = x;
  for (int i = 0; i < k; ++i) xn = xn * xn;
  T r = 1.0 + xn;
  for (int i = 0; i < k; ++i) r = sqrt(r);
  return 1.0 / r;
}

// ln 2 / t1/2: first-order rate constant from a half-time.
inline double rate_from_half_time(double half_time) { return 0.6931471805599453 / half_time; }

// Smooth max(x, 0) with width w (for parameters only; not used on states).
inline double softplus(double x, double w) { return w * std::log1p(std::exp(x / w)); }

}  // namespace magsim::models::magnesium
