#pragma once
// Group commit: requests made at about the same time share one job on the
// pool (one transaction, a few statements over arrays), so a burst of N
// callers costs one round of PostgreSQL work instead of N. Used by the room
// log (appends) and by the chat gateway (session lookups at hello, where a
// reconnect storm would otherwise overflow the pool's queue).
//
// A batch leaves when it is full (batch_max) or `delay` after its first
// request; at most max_inflight batches run at once, and what queued meanwhile
// leaves as soon as one returns. Past queue_max waiting requests, run() throws
// pg::unavailable at once.
//
// With a key function, requests of one key never run in two batches at once:
// a request whose key is in a batch in flight waits for the next batch, with
// every later request of its key (the room log: one author's messages in a
// room commit in the order they were queued, even when several are in flight).
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "colibri/pg/pool.hpp"

namespace colibri::pg {

struct batcher_options {
  std::size_t batch_max = 256;
  std::chrono::microseconds delay{1000};
  std::size_t max_inflight = 2;
  std::size_t queue_max = 100000;
};

template <class In, class Out>
class batcher : public std::enable_shared_from_this<batcher<In, Out>> {
 public:
  // On a pool thread: one Out per In, in order. It makes its own transaction.
  using job_fn = std::function<std::vector<Out>(pqxx::connection&, const std::vector<In>&)>;
  // On the batcher's strand, once a batch's job returned and before its
  // callers resume; batches are handed over in the order their jobs return.
  using done_fn = std::function<void(std::vector<Out>&)>;
  using key_fn = std::function<std::string(const In&)>;

  static std::shared_ptr<batcher> create(asio::any_io_executor ex, pool& db, job_fn job, batcher_options o = {},
                                         done_fn done = {}, key_fn key = {}) {
    return std::shared_ptr<batcher>(new batcher(std::move(ex), db, std::move(job), o, std::move(done), std::move(key)));
  }

  // The request's result; rethrows what the batch's job threw.
  awaitable<Out> run(In in) {
    auto initiate = [self = this->shared_from_this(), in = std::move(in)](auto handler) mutable {
      auto ex = asio::get_associated_executor(handler);
      auto h = std::make_shared<decltype(handler)>(std::move(handler));
      pending p{std::move(in), [h, ex](std::exception_ptr ep, Out out) {
                  asio::post(ex, [h, ep, out = std::move(out)]() mutable { std::move (*h)(ep, std::move(out)); });
                }};
      asio::post(self->strand_, [self, p = std::move(p)]() mutable { self->enqueue(std::move(p)); });
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, Out)>(
        std::move(initiate), asio::use_awaitable);
  }

  const batcher_options& opts() const { return opts_; }

 private:
  struct pending {
    In in;
    std::function<void(std::exception_ptr, Out)> complete;
  };

  batcher(asio::any_io_executor ex, pool& db, job_fn job, batcher_options o, done_fn done, key_fn key)
      : strand_(asio::make_strand(ex)),
        db_(db),
        job_(std::move(job)),
        done_(std::move(done)),
        key_(std::move(key)),
        opts_(o),
        timer_(strand_) {}

  void enqueue(pending p) {
    if (pending_.size() >= opts_.queue_max) {
      p.complete(std::make_exception_ptr(unavailable("batch queue full")), Out{});
      return;
    }
    pending_.push_back(std::move(p));
    maybe_flush();
  }

  void maybe_flush() {
    while (!pending_.empty() && inflight_ < opts_.max_inflight && (due_ || pending_.size() >= opts_.batch_max)) {
      std::vector<std::string> keys;
      auto batch = take(keys);
      if (batch.empty()) break;  // every key waits for a batch in flight
      ++inflight_;
      asio::co_spawn(strand_, flush(std::move(batch)),
                     [self = this->shared_from_this(), keys = std::move(keys)](std::exception_ptr) {
                       --self->inflight_;
                       for (const auto& k : keys)
                         if (auto it = self->busy_.find(k); it != self->busy_.end() && --it->second == 0)
                           self->busy_.erase(it);
                       // Whatever queued meanwhile has waited at least one batch: send it now.
                       self->due_ = !self->pending_.empty();
                       self->maybe_flush();
                     });
    }
    if (pending_.empty()) {
      due_ = false;
    } else if (!timer_armed_ && !due_) {
      timer_armed_ = true;
      timer_.expires_after(opts_.delay);
      timer_.async_wait([self = this->shared_from_this()](boost::system::error_code) {
        self->timer_armed_ = false;
        self->due_ = true;
        self->maybe_flush();
      });
    }
  }

  // The next batch, in queue order; with a key function, without the keys
  // of the batches in flight (their keys are added to busy_ and to `keys`).
  std::vector<pending> take(std::vector<std::string>& keys) {
    if (!key_) {
      auto n = std::min(pending_.size(), opts_.batch_max);
      std::vector<pending> batch(std::make_move_iterator(pending_.begin()),
                                 std::make_move_iterator(pending_.begin() + n));
      pending_.erase(pending_.begin(), pending_.begin() + n);
      return batch;
    }
    std::vector<pending> batch, rest;
    std::set<std::string> waiting;  // keys held back: their later requests wait too
    for (auto& p : pending_) {
      if (batch.size() < opts_.batch_max) {
        auto k = key_(p.in);
        if (!busy_.count(k) && !waiting.count(k)) {
          keys.push_back(std::move(k));
          batch.push_back(std::move(p));
          continue;
        }
        waiting.insert(std::move(k));
      }
      rest.push_back(std::move(p));
    }
    pending_ = std::move(rest);
    for (const auto& k : keys) ++busy_[k];
    return batch;
  }

  awaitable<void> flush(std::vector<pending> batch) {
    std::vector<In> ins;
    ins.reserve(batch.size());
    for (auto& p : batch) ins.push_back(std::move(p.in));
    auto work = [job = job_, ins = std::move(ins)](pqxx::connection& c) { return job(c, ins); };
    std::vector<Out> outs;
    std::exception_ptr err;
    try {
      outs = co_await db_.run(std::move(work));
      if (outs.size() != batch.size()) throw std::logic_error("batch job returned a wrong number of results");
      if (done_) done_(outs);
    } catch (...) {
      err = std::current_exception();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].complete(err, err ? Out{} : std::move(outs[i]));
  }

  asio::strand<asio::any_io_executor> strand_;
  pool& db_;
  job_fn job_;
  done_fn done_;
  key_fn key_;
  std::map<std::string, int> busy_;  // keys of the batches in flight
  batcher_options opts_;
  asio::steady_timer timer_;
  std::vector<pending> pending_;
  std::size_t inflight_ = 0;
  bool timer_armed_ = false;
  bool due_ = false;  // the oldest pending request has waited `delay`
};

}  // namespace colibri::pg
