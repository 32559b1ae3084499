#include "colibri/core/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace colibri::core {

void metrics::add(kind k, std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lk(mutex_);
  entries_.push_back({k, std::move(name), std::move(help), std::move(read)});
}

std::string metrics::render() const {
  std::lock_guard lk(mutex_);
  std::string out;
  for (const auto& e : entries_) {
    double v = e.read();
    char value[64];
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
      std::snprintf(value, sizeof value, "%.0f", v);
    else
      std::snprintf(value, sizeof value, "%.9g", v);
    out += "# HELP " + e.name + " " + e.help + "\n";
    out += "# TYPE " + e.name + (e.k == kind::counter ? " counter\n" : " gauge\n");
    out += e.name + " " + value + "\n";
  }
  return out;
}

}  // namespace colibri::core
