#pragma once
// The one place where libostree's GError becomes rootpin's Error: nothing above
// src/ostree/ sees a GError.

#include <glib.h>

#include <string_view>

namespace rootpin::ostree {

// If error is set: frees it and throws util::Error("context: <GError message>").
void throw_if(GError* error, std::string_view context);

// For calls that return gboolean and fill a GError on failure. Takes GError** so that
// the error is read after the call, whatever the argument evaluation order.
inline void check(gboolean ok, GError** error, std::string_view context) {
  if (!ok) {
    throw_if(*error, context);
  }
}

}  // namespace rootpin::ostree
