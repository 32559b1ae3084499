#include "colibri/core/lasting.hpp"

#include <new>

// Weak: a service linked with jemalloc replaces both with its lasting arena
// (libs/service/src/jemalloc_conf.cpp).
namespace colibri::core {

__attribute__((weak)) void* lasting_allocate(std::size_t n) { return ::operator new(n); }

__attribute__((weak)) void lasting_deallocate(void* p, std::size_t n) noexcept { ::operator delete(p, n); }

}  // namespace colibri::core
