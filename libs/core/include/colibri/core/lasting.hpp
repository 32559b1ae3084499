#pragma once
// Memory for objects that live as long as a connection (a socket's
// connection and session state), kept apart from the short-lived
// allocations of the requests.
//
// Why: a reconnect storm runs thousands of hellos and subscriptions at once;
// their coroutine frames and buffers share the allocator's size classes with
// the sessions allocated meanwhile, and once they are freed, the sessions pin
// pages that are two thirds empty (a gateway's idle socket cost 1.3 KiB more
// for that: docs/benchmarks.md, "Idle memory"). Under jemalloc, the services'
// allocator (ADR 0009), these objects come from an arena of their own
// (libs/service/src/jemalloc_conf.cpp); elsewhere (tests, sanitizer builds)
// from operator new.
#include <cstddef>
#include <memory>
#include <utility>

namespace colibri::core {

void* lasting_allocate(std::size_t n);
void lasting_deallocate(void* p, std::size_t n) noexcept;

template <class T>
struct lasting_allocator {
  using value_type = T;
  lasting_allocator() = default;
  template <class U>
  lasting_allocator(const lasting_allocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(lasting_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { lasting_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const lasting_allocator<U>&) const noexcept {
    return true;
  }
};

// make_shared for such an object: the object and its control block in one
// lasting allocation.
template <class T, class... Args>
std::shared_ptr<T> make_lasting(Args&&... args) {
  return std::allocate_shared<T>(lasting_allocator<T>{}, std::forward<Args>(args)...);
}

}  // namespace colibri::core
