#pragma once
// Latency histogram shared by the load generators.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

// Log-scale histogram of microseconds: exact enough for percentiles.
struct histogram {
  std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(400, 0);
  std::uint64_t count = 0;
  std::int64_t max = 0;
  static int bucket(std::int64_t us) {
    if (us < 1) us = 1;
    return std::min(399, static_cast<int>(std::log(static_cast<double>(us)) * 20));
  }
  void add(std::int64_t us) {
    ++buckets[bucket(us)];
    ++count;
    max = std::max(max, us);
  }
  double percentile(double p) const {
    std::uint64_t target = static_cast<std::uint64_t>(p * count), seen = 0;
    for (int i = 0; i < 400; ++i) {
      seen += buckets[i];
      if (seen > target) return std::exp((i + 1) / 20.0) / 1000.0;  // ms, upper bound of the bucket
    }
    return max / 1000.0;
  }
  void merge(const histogram& o) {
    for (int i = 0; i < 400; ++i) buckets[i] += o.buckets[i];
    count += o.count;
    max = std::max(max, o.max);
  }
};
