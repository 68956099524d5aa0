// The mirror's chain source over RPC (ChainClient over HTTP) against an in-process dev node seen
// through a JSON-RPC proxy that can falsify the answers to state_queryStorageAt: the batched read
// of a block's touched entries must be complete and for the block asked, or the sync stops with
// ChainData and applies nothing of that block.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/devnode/node.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/errors.hpp"
#include "ev/vault/mirror.hpp"
#include "test_support.hpp"

using namespace ev;
using nlohmann::json;

namespace {

template <class T>
T must(Result<T> r) {
  INFO((r.ok() ? std::string() : r.error().to_string()));
  REQUIRE(r.ok());
  return std::move(r).value();
}

enum class Falsify { Nothing, DropLastKey, OtherBlock };

// Forwards JSON-RPC over HTTP to the node, rewriting state_queryStorageAt answers as told.
class Proxy {
 public:
  Proxy(std::uint16_t node_port, const std::atomic<Falsify>& falsify)
      : node_port_(node_port), mode_(falsify) {
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      httplib::Client node("127.0.0.1", node_port_);
      auto r = node.Post("/", req.body, "application/json");
      if (!r) {
        res.status = 502;
        return;
      }
      std::string body = r->body;
      const json q = json::parse(req.body, nullptr, false);
      const Falsify mode = mode_.load();
      if (q.is_object() && q.value("method", "") == "state_queryStorageAt" &&
          mode != Falsify::Nothing) {
        json a = json::parse(body);
        json& set = a["result"][0];
        if (mode == Falsify::DropLastKey && !set["changes"].empty()) {
          set["changes"].erase(set["changes"].size() - 1);
        } else if (mode == Falsify::OtherBlock) {
          set["block"] = "0x" + std::string(64, '7');
        }
        body = a.dump();
      }
      res.set_content(body, "application/json");
    });
    port_ = static_cast<std::uint16_t>(server_.bind_to_any_port("127.0.0.1"));
    // Bound already: connections queue until the thread accepts them.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Proxy() {
    server_.stop();
    thread_.join();
  }
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  std::uint16_t node_port_;
  const std::atomic<Falsify>& mode_;
  httplib::Server server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("mirror over RPC: an incomplete or misplaced state_queryStorageAt answer stops the sync",
          "[mirror]") {
  devnode::NodeConfig cfg;
  cfg.dev = true;
  cfg.rpc.port = 0;
  auto node = must(devnode::Node::open(std::move(cfg)));
  const std::uint16_t node_port = must(node->start());
  std::atomic<Falsify> mode{Falsify::Nothing};
  Proxy proxy(node_port, mode);
  auto client =
      must(chain::ChainClient::connect("http://127.0.0.1:" + std::to_string(proxy.port())));
  auto source = vault::chain_source(*client);
  test::TempDir dir;
  auto mirror = must(vault::Mirror::open((dir.path() / "mirror.db").string()));
  must(mirror->sync(*source));
  const auto before = must(mirror->last_block());
  REQUIRE(before.has_value());

  // A block whose event touches one storage entry (Agents[wallet, agent]).
  const auto wallet = must(chain::from_suri(chain::Scheme::Ed25519, "//Bob"));
  const auto agent = must(chain::from_suri(chain::Scheme::Ed25519, "//Eve"));
  const auto mail = must(vault::ServiceName::from(std::string_view("mail")));
  const Bytes call = must(vault::encode_runtime_call(
      *client->metadata(),
      vault::AuthorizeAgent{agent.account_id(), must(vault::ServiceList::from({mail})),
                            vault::Access::ReadWrite}));
  chain::SubmitOptions opts;
  opts.wait = chain::rpc::TxWait::Finalized;
  const auto out = must(client->submit(wallet, call, opts));
  REQUIRE(out.success);

  for (const Falsify m : {Falsify::DropLastKey, Falsify::OtherBlock}) {
    mode = m;
    auto r = mirror->sync(*source);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), vault::MirrorErrc::ChainData));
    CHECK_THAT(r.error().to_string(),
               Catch::Contains(m == Falsify::DropLastKey ? "gave no answer for key"
                                                         : "answered for block"));
    // Nothing of the block was applied.
    CHECK(must(mirror->last_block())->number == before->number);
    CHECK_FALSE(must(mirror->grant(wallet.account_id(), agent.account_id())).has_value());
  }

  // With honest answers the same sync applies the block and its grant.
  mode = Falsify::Nothing;
  CHECK(must(mirror->sync(*source)) >= 1);
  CHECK(must(mirror->last_block())->number >= out.block_number);
  CHECK(must(mirror->grant(wallet.account_id(), agent.account_id())).has_value());
  CHECK(must(mirror->verify(*source)).empty());
}
