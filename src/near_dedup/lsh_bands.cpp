// LSH banding: the candidate probability curve and the choice of (bands, rows) for a threshold.
#include <algorithm>
#include <cmath>

#include "tuneprep/near_dedup.hpp"

namespace tuneprep {
namespace {

// Composite Simpson's rule with a fixed, even number of intervals: deterministic and accurate
// to ~1e-9 for these smooth curves (datasketch uses adaptive quadrature; the chosen (b, r) agree).
template <typename F>
double integrate(F f, double a, double b) {
  constexpr int kIntervals = 256;
  if (b <= a) return 0;
  const double h = (b - a) / kIntervals;
  double sum = f(a) + f(b);
  for (int i = 1; i < kIntervals; ++i) sum += (i % 2 ? 4.0 : 2.0) * f(a + i * h);
  return sum * h / 3.0;
}

}  // namespace

double lsh_candidate_probability(double s, LshBands bands) {
  if (bands.bands == 0 || bands.rows == 0) return 0;
  s = std::clamp(s, 0.0, 1.0);
  return 1.0 - std::pow(1.0 - std::pow(s, bands.rows), bands.bands);
}

LshBands choose_lsh_bands(double threshold, uint32_t num_perm, double fp_weight, double fn_weight) {
  num_perm = std::clamp<uint32_t>(num_perm, 1, kMaxNumPerm);
  threshold = std::clamp(threshold, 0.0, 1.0);
  LshBands best{1, num_perm};
  double best_error = INFINITY;
  for (uint32_t b = 1; b <= num_perm; ++b) {
    for (uint32_t r = 1; r <= num_perm / b; ++r) {
      const LshBands candidate{b, r};
      const double false_positive = integrate([&](double s) { return lsh_candidate_probability(s, candidate); }, 0.0, threshold);
      const double false_negative = integrate([&](double s) { return 1.0 - lsh_candidate_probability(s, candidate); }, threshold, 1.0);
      const double error = fp_weight * false_positive + fn_weight * false_negative;
      if (error < best_error) {
        best_error = error;
        best = candidate;
      }
    }
  }
  return best;
}

}  // namespace tuneprep
