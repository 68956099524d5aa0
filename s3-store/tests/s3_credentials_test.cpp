// Credential sources: options, the environment, the shared credentials file.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "ev/s3/s3_client.hpp"
#include "test_support.hpp"

using namespace ev::s3;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

template <class T>
bool invalid(const ev::Result<T>& r, std::string_view fragment) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), Errc::InvalidArgument) &&
         r.error().message.find(fragment) != std::string::npos;
}

const char* kFile =
    "# shared credentials\r\n"
    "[default]\r\n"
    "aws_access_key_id = AKIDDEFAULT\r\n"
    "aws_secret_access_key = secret/default+1\r\n"
    "\n"
    "; another\n"
    "[work]\n"
    "aws_access_key_id=AKIDWORK\n"
    "aws_secret_access_key=secretwork\n"
    "aws_session_token = token-work\n"
    "region = eu-west-1\n";

}  // namespace

TEST_CASE("s3 credentials: profiles of a shared credentials file", "[s3][credentials]") {
  auto d = parse_shared_credentials(kFile, "default", "creds");
  REQUIRE(d.ok());
  CHECK(d->access_key_id == "AKIDDEFAULT");
  CHECK(d->secret_access_key == "secret/default+1");
  CHECK(d->session_token.empty());
  auto w = parse_shared_credentials(kFile, "work", "creds");
  REQUIRE(w.ok());
  CHECK(w->access_key_id == "AKIDWORK");
  CHECK(w->secret_access_key == "secretwork");
  CHECK(w->session_token == "token-work");
}

TEST_CASE("s3 credentials: the file is parsed strictly", "[s3][credentials]") {
  CHECK(invalid(parse_shared_credentials(kFile, "home", "creds"),
                "profile 'home' not found in creds (profiles: default, work)"));
  CHECK(invalid(parse_shared_credentials("", "default", "f"), "it has no profiles"));
  CHECK(invalid(parse_shared_credentials("aws_access_key_id = x\n", "default", "f"),
                "f line 1: 'aws_access_key_id' before any [profile]"));
  CHECK(invalid(parse_shared_credentials("[default]\njust text\n", "default", "f"),
                "f line 2: expected 'key = value'"));
  CHECK(invalid(parse_shared_credentials("[default\n", "default", "f"), "line 1: a section"));
  CHECK(invalid(parse_shared_credentials("[]\n", "default", "f"), "bad profile name"));
  CHECK(invalid(parse_shared_credentials("[a]\n[a]\n", "a", "f"), "line 2: profile 'a' repeated"));
  CHECK(invalid(parse_shared_credentials("[a]\nk=1\nk=2\n", "a", "f"), "line 3: 'k' repeated"));
  CHECK(invalid(parse_shared_credentials("[a]\n= v\n", "a", "f"), "empty key"));
  CHECK(invalid(parse_shared_credentials("[a]\ns3 =\n  max = 1\n", "a", "f"), "line 3: indented"));
  CHECK(invalid(parse_shared_credentials("[a]\naws_access_key_id = x\n", "a", "f"),
                "profile 'a' in f needs aws_access_key_id and aws_secret_access_key"));
  CHECK(invalid(
      parse_shared_credentials("[a]\naws_access_key_id = x\naws_secret_access_key =\n", "a", "f"),
      "aws_secret_access_key is empty"));
  const auto spaced = parse_shared_credentials(
      "[a]\naws_access_key_id = x y\naws_secret_access_key = s\n", "a", "f");
  CHECK(invalid(spaced, "aws_access_key_id is empty or holds spaces"));
  CHECK(invalid(parse_shared_credentials(std::string("[a]\nk=\0\n", 7), "a", "f"), "NUL"));
  CHECK(invalid(parse_shared_credentials(std::string((1u << 20) + 1, '#'), "a", "f"), "1 MiB"));
}

TEST_CASE("s3 credentials: errors never show secrets", "[s3][credentials]") {
  auto r = parse_shared_credentials(
      "[a]\naws_access_key_id = id\naws_secret_access_key = top secret\n", "a", "f");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("top secret") == std::string::npos);
  auto e = resolve_credentials(
      {}, env_of({{"AWS_ACCESS_KEY_ID", "id"}, {"AWS_SECRET_ACCESS_KEY", "very secret"}}));
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("very secret") == std::string::npos);
}

TEST_CASE("s3 credentials: options, then the environment, then the file", "[s3][credentials]") {
  ev::test::TempDir dir;
  const auto file = (dir.path() / "credentials").string();
  std::ofstream(file) << kFile;
  const auto env = env_of({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                           {"AWS_SECRET_ACCESS_KEY", "secretenv"},
                           {"AWS_SESSION_TOKEN", "tokenenv"},
                           {"AWS_SHARED_CREDENTIALS_FILE", file}});
  CredentialOptions explicit_keys;
  explicit_keys.access_key_id = "AKIDOPT";
  explicit_keys.secret_access_key = "secretopt";
  auto o = resolve_credentials(explicit_keys, env);
  REQUIRE(o.ok());
  CHECK(o->credentials.access_key_id == "AKIDOPT");
  CHECK(o->source == "options");

  auto e = resolve_credentials({}, env);
  REQUIRE(e.ok());
  CHECK(e->credentials.access_key_id == "AKIDENV");
  CHECK(e->credentials.session_token == "tokenenv");
  CHECK(e->source == "environment");

  CredentialOptions named;
  named.profile = "work";  // a profile asked for explicitly beats the environment's keys
  auto p = resolve_credentials(named, env);
  REQUIRE(p.ok());
  CHECK(p->credentials.access_key_id == "AKIDWORK");
  CHECK(p->source == "profile 'work' in " + file);

  auto f = resolve_credentials({}, env_of({{"AWS_SHARED_CREDENTIALS_FILE", file}}));
  REQUIRE(f.ok());
  CHECK(f->credentials.access_key_id == "AKIDDEFAULT");
  auto ap = resolve_credentials(
      {}, env_of({{"AWS_SHARED_CREDENTIALS_FILE", file}, {"AWS_PROFILE", "work"}}));
  REQUIRE(ap.ok());
  CHECK(ap->credentials.access_key_id == "AKIDWORK");

  std::filesystem::create_directories(dir.path() / "home" / ".aws");
  std::ofstream((dir.path() / "home" / ".aws" / "credentials").string()) << kFile;
  auto home = resolve_credentials({}, env_of({{"HOME", (dir.path() / "home").string()}}));
  REQUIRE(home.ok());
  CHECK(home->credentials.access_key_id == "AKIDDEFAULT");
}

TEST_CASE("s3 credentials: incomplete or missing sources are clear errors", "[s3][credentials]") {
  CHECK(invalid(resolve_credentials({}, env_of({{"AWS_ACCESS_KEY_ID", "a"}})),
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  CHECK(invalid(resolve_credentials({}, env_of({{"AWS_SECRET_ACCESS_KEY", "a"}})),
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
  CHECK(invalid(resolve_credentials({}, env_of({{"AWS_SESSION_TOKEN", "t"}})),
                "AWS_SESSION_TOKEN is set without"));
  CredentialOptions half;
  half.access_key_id = "x";
  CHECK(invalid(resolve_credentials(half, env_of({})), "without a secret access key"));
  CHECK(invalid(resolve_credentials({}, env_of({{"HOME", "/nonexistent-home"}})),
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
  CHECK(invalid(resolve_credentials({}, env_of({})), "$HOME is not set"));
  CredentialOptions named;
  named.profile = "p";
  named.credentials_file = "/nonexistent/credentials";
  CHECK(invalid(resolve_credentials(named, env_of({})),
                "cannot read the credentials file /nonexistent/credentials"));
  CHECK(invalid(resolve_credentials(
                    {}, env_of({{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"}})),
                "cannot read the credentials file"));
}
