// Substrate JSON-RPC client: transports (HTTP, WebSocket), messages, errors and typed calls.
// Overview and design choices: docs/rpc.md.
#pragma once

#include "ev/chain/rpc/api.hpp"      // typed wrappers: rpc::chain_get_header, ...
#include "ev/chain/rpc/client.hpp"   // RpcClient, connect(), Subscription, RpcOptions
#include "ev/chain/rpc/errors.hpp"   // RpcErrc, rpc_error_info(), classify_tx_rejection()
#include "ev/chain/rpc/json.hpp"     // JsonValue, JsonLimits, parse_json()
#include "ev/chain/rpc/message.hpp"  // parse_rpc_message(), build_request()
