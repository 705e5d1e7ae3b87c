// Test helper: takes rootpin's logind shutdown inhibitor as `rootpin bind` does, says what
// happened on stdout, and releases it when stdin says so (test_inhibitor.py drives it
// against a private D-Bus daemon with a stub logind).
//
//   inhibit_probe WHY     prints "held" or "not held: <reason>", waits for a line on stdin,
//                         releases, prints "released", waits for EOF on stdin, exits 0.
#include "src/logind/shutdown_inhibitor.hpp"

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: inhibit_probe WHY\n";
    return 2;
  }
  auto inhibitor = rootpin::logind::ShutdownInhibitor::take(argv[1]);
  if (inhibitor) {
    std::cout << "held" << std::endl;
  } else {
    std::cout << "not held: " << inhibitor.error() << std::endl;
  }
  std::string line;
  std::getline(std::cin, line);
  if (inhibitor) {
    inhibitor->release();
  }
  std::cout << "released" << std::endl;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
