#include "src/log/stderr_backend.hpp"

#include <doctest/doctest.h>

using rootpin::log::format_stderr_line;
using rootpin::log::Priority;

TEST_CASE("stderr lines carry the tool name and a prefix for errors and warnings") {
  CHECK(format_stderr_line(Priority::Error, "pulling quay.io/a/b:1: unauthorized") ==
        "rootpin: error: pulling quay.io/a/b:1: unauthorized\n");
  CHECK(format_stderr_line(Priority::Warning, "store is 91% full") ==
        "rootpin: warning: store is 91% full\n");
  CHECK(format_stderr_line(Priority::Notice, "pinned quay.io/a/b:1") ==
        "rootpin: pinned quay.io/a/b:1\n");
  CHECK(format_stderr_line(Priority::Info, "3 images present") == "rootpin: 3 images present\n");
  CHECK(format_stderr_line(Priority::Debug, "argv: podman pull") ==
        "rootpin: debug: argv: podman pull\n");
}

TEST_CASE("a message that already ends its line gets no second newline") {
  CHECK(format_stderr_line(Priority::Error, "podman said:\nno such image\n") ==
        "rootpin: error: podman said:\nno such image\n");
  CHECK(format_stderr_line(Priority::Info, "") == "rootpin: \n");
}
