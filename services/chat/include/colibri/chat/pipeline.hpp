#pragma once
// A socket's posts (send, edit, delete, react) in flight together, with the
// order kept wherever a client can see it. Each post takes a ticket when its
// frame is read; its append is submitted only once every earlier ticket's
// was (the turn), so one sender's messages get their seqs in the order sent;
// the answers (ack, held, error) leave in ticket order. Without it a socket
// sends at most one message per append latency (docs/benchmarks.md, rooms
// of 100). Any other frame waits until the posts before it are answered.
//
// Not thread-safe: used on its session's strand only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "colibri/net/asio.hpp"

namespace colibri::chat {

class pipeline {
 public:
  using answer = std::shared_ptr<const std::string>;
  // out: where the answers leave, in ticket order.
  pipeline(asio::any_io_executor ex, std::size_t max_in_flight, std::function<void(answer)> out);

  std::size_t in_flight() const { return static_cast<std::size_t>(next_ - answered_); }
  // Waits while max_in_flight posts are in flight, then takes the next ticket.
  awaitable<std::uint64_t> start();
  // Until every post started so far is answered.
  awaitable<void> drained();
  // Until every earlier ticket has passed its turn (or was answered).
  awaitable<void> turn(std::uint64_t t);
  // t's append was submitted: the next ticket may take its turn. Idempotent.
  void pass(std::uint64_t t);
  // t's answer (null: nothing to send); passes t.
  void finish(std::uint64_t t, answer a);

 private:
  awaitable<void> changed();

  asio::steady_timer changed_;  // never expires: cancel() wakes every waiter
  std::size_t max_;
  std::function<void(answer)> out_;
  std::uint64_t next_ = 0;                 // the next ticket
  std::uint64_t turn_ = 0;                 // the lowest ticket that has not passed
  std::set<std::uint64_t> passed_;         // passed tickets above turn_
  std::uint64_t answered_ = 0;             // the lowest ticket whose answer has not left
  std::map<std::uint64_t, answer> early_;  // answers waiting for an earlier one
};

}  // namespace colibri::chat
