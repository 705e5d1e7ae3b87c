// Placeholder until the CLI lands: builds the real services and runs the command.
#include <cstdio>

int main() {
  std::fputs("rootpin: not built yet\n", stderr);
  return 1;
}
