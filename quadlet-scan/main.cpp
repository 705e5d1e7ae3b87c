// Placeholder until the scanner lands.
#include <cstdio>

int main() {
  std::fputs("quadlet-scan: not built yet\n", stderr);
  return 2;
}
