#pragma once
// A PostgreSQL session-level advisory lock held on a dedicated connection, so
// that among several instances exactly one leads. The lock dies with the
// connection: if PostgreSQL or the network fails, leadership is lost (held()
// turns false) and re-acquired by whichever instance gets there first.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace colibri::pg {

class leader_lock {
 public:
  // on_change(true|false) runs on the lock's own thread.
  leader_lock(std::string url, long long key, std::function<void(bool)> on_change = {});
  ~leader_lock();
  void start();
  void stop();
  bool held() const { return held_; }

 private:
  void loop();
  std::string url_;
  long long key_;
  std::function<void(bool)> on_change_;
  std::atomic<bool> held_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace colibri::pg
