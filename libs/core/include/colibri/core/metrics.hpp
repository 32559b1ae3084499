#pragma once
// What a service exposes to Prometheus, in its text format (version 0.0.4),
// on an internal port (COLIBRI_METRICS_LISTEN; docs/operations.md). Each
// metric is read when scraped, from a function given at registration: the
// services count in their own atomics, and nothing is recorded twice.
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace colibri::core {

class metrics {
 public:
  enum class kind { counter, gauge };
  // name: [a-z_]+ (a counter's ends with _total); help: one line.
  void add(kind k, std::string name, std::string help, std::function<double()> read);
  // Every metric: # HELP, # TYPE, then its value.
  std::string render() const;

 private:
  struct entry {
    kind k;
    std::string name, help;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::vector<entry> entries_;
};

}  // namespace colibri::core
