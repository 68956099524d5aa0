// Constructors of the two RpcClient implementations (internal to the RPC client).
#pragma once

#include <memory>

#include "ev/chain/rpc/client.hpp"

namespace ev::chain::detail {

[[nodiscard]] Result<std::unique_ptr<RpcClient>> make_http_client(const RpcUrl& url,
                                                                  const RpcOptions& options);
[[nodiscard]] Result<std::unique_ptr<RpcClient>> make_ws_client(const RpcUrl& url,
                                                                std::string_view url_text,
                                                                const RpcOptions& options);

}  // namespace ev::chain::detail
