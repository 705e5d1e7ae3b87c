// doctest's main, after blocking SIGINT, SIGTERM and SIGHUP as rootpin's main does (a
// SignalWatch first thing, base/interrupt.hpp): every thread started later inherits the mask.
// The binary runs libostree, which leaves GLib's threads running with the mask they were
// started with; with the signals unblocked there, a SIGTERM that test_util_interrupt sends
// to this process went to one of them, and its default action ended the whole run (exit
// 143) whenever the tests ran in one process rather than one per test case as ctest runs
// them. (A Ctrl-C on a run by hand is then taken by the next test that watches for signals,
// as rootpin itself takes it only through its watch.)
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <signal.h>

int main(int argc, char** argv) {
  sigset_t handled;
  ::sigemptyset(&handled);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    ::sigaddset(&handled, signal);
  }
  ::pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  return doctest::Context(argc, argv).run();
}
