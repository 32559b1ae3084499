// jemalloc's options for a long-running service (docs/adr/0009-jemalloc.md),
// compiled into each service executable: jemalloc reads this symbol from the
// program at start-up; MALLOC_CONF in the environment still wins.
// - narenas:2: two arenas for the gateway's few threads instead of four per
//   core: fewer partly used pages per idle socket.
// - dirty_decay_ms:1000, muzzy_decay_ms:0: memory freed after a burst (a
//   reconnect storm's transient buffers) goes back to the system within a
//   second rather than ten.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

// The lasting arena (colibri/core/lasting.hpp): objects that live as long as
// a connection get an arena of their own, so that the short-lived
// allocations of a reconnect storm never share their pages. No thread cache:
// they are made once per connection, not per message.
#include <jemalloc/jemalloc.h>

#include <new>

#include "colibri/core/lasting.hpp"

namespace colibri::core {

namespace {

int lasting_flags() {
  static const int flags = [] {
    unsigned arena = 0;
    std::size_t len = sizeof arena;
    if (mallctl("arenas.create", &arena, &len, nullptr, 0) != 0) return MALLOCX_TCACHE_NONE;  // the default arenas
    return static_cast<int>(MALLOCX_ARENA(arena)) | MALLOCX_TCACHE_NONE;
  }();
  return flags;
}

}  // namespace

void* lasting_allocate(std::size_t n) {
  if (void* p = mallocx(n == 0 ? 1 : n, lasting_flags())) return p;
  throw std::bad_alloc();
}

void lasting_deallocate(void* p, std::size_t n) noexcept {
  if (p) sdallocx(p, n == 0 ? 1 : n, MALLOCX_TCACHE_NONE);
}

}  // namespace colibri::core
