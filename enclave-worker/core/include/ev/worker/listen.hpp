// The workers' HTTP listeners take their port exclusively. cpp-httplib sets SO_REUSEPORT by
// default, which lets a second process bind a port another already listens on and take part of
// its connections; with SO_REUSEADDR only, a taken port fails the bind (and a port left in
// TIME_WAIT by a stopped worker can still be reused at once).
#pragma once

#include <sys/socket.h>

#include <httplib.h>

namespace ev::worker {

inline void exclusive_port(httplib::Server& server) {
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

}  // namespace ev::worker
