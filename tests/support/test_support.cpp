#include "test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace ev::test {

std::optional<std::filesystem::path> vectors_dir() {
  const char* env = std::getenv("EV_VECTORS_DIR");
  std::filesystem::path p = env != nullptr ? env : EV_VECTORS_DIR;
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) return std::nullopt;
  return p;
}

std::filesystem::path require_vectors(const std::string& relative) {
  auto dir = vectors_dir();
  if (!dir) {
    std::printf(
        "SKIPPED: shared vectors folder not found (looked at %s; set EV_VECTORS_DIR)\n",
        std::getenv("EV_VECTORS_DIR") != nullptr ? std::getenv("EV_VECTORS_DIR") : EV_VECTORS_DIR);
    std::fflush(stdout);
    std::exit(kSkipExitCode);
  }
  auto p = *dir / relative;
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) {
    std::printf("SKIPPED: %s is absent from the shared vectors\n", p.string().c_str());
    std::fflush(stdout);
    std::exit(kSkipExitCode);
  }
  return p;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto p = base / ("ev-test-" + std::to_string(rd()) + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/getsockname failed");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace ev::test
