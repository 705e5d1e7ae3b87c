#include "src/ostree/gerror.hpp"

#include <glib-object.h>

#include <string>

#include "base/error.hpp"
#include "src/ostree/gobject_ptr.hpp"

namespace rootpin::ostree {

void GObjectUnref::operator()(void* object) const noexcept {
  if (object != nullptr) {
    g_object_unref(object);
  }
}

void* g_object_add_ref(void* object) noexcept {
  return object != nullptr ? g_object_ref(object) : nullptr;
}

void throw_if(GError* error, std::string_view context) {
  if (error == nullptr) {
    // A libostree call that failed without setting an error is a libostree bug; still
    // report it rather than carrying on.
    throw util::Error(std::string(context) + ": unknown libostree error");
  }
  std::string message = error->message != nullptr ? error->message : "unknown error";
  g_error_free(error);
  throw util::Error(std::string(context) + ": " + message);
}

}  // namespace rootpin::ostree
