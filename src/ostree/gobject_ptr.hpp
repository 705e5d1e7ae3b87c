#pragma once
// Owning pointers for GObjects kept in members (locals use g_autoptr). The deleter is
// defined out of line so that headers of this folder need no GLib include.

#include <memory>

namespace rootpin::ostree {

struct GObjectUnref {
  void operator()(void* object) const noexcept;
};

template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Takes a new reference to object (g_object_ref) and owns it.
template <typename T>
GObjectPtr<T> add_ref(T* object);

void* g_object_add_ref(void* object) noexcept;

template <typename T>
GObjectPtr<T> add_ref(T* object) {
  return GObjectPtr<T>(static_cast<T*>(g_object_add_ref(object)));
}

}  // namespace rootpin::ostree
