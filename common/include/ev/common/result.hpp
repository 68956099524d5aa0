// Result<T>: the one error model of the project.
//
// Untrusted input yields an Error value (domain + code + human message); a broken
// invariant is a fatal assertion (EV_ASSERT). Each module declares an error enum and
// specialises ev::ErrorTraits for it (domain name + message table), then builds errors
// with ev::make_error(Errc::X, "detail"). EV_TRY(expr) unwraps a Result or returns its
// error from the enclosing function.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace ev {

// Fatal: for impossible states only, never for bad input.
[[noreturn]] inline void fatal(const char* file, int line, const char* what) {
  std::fprintf(stderr, "fatal: %s:%d: %s\n", file, line, what);
  std::abort();
}
#define EV_ASSERT(cond, msg)                             \
  do {                                                   \
    if (!(cond)) ::ev::fatal(__FILE__, __LINE__, (msg)); \
  } while (0)

struct Error {
  std::string domain;   // module that produced it: "scale", "crypto", "s3", ...
  int code = 0;         // the module's enum value
  std::string message;  // human message, including where and why

  // "domain: message"
  [[nodiscard]] std::string to_string() const { return domain + ": " + message; }

  // Prefix the message with context ("decoding VaultPointer.epoch: ...").
  [[nodiscard]] Error context(std::string_view ctx) && {
    std::string prefixed;
    prefixed.reserve(ctx.size() + 2 + message.size());
    prefixed.append(ctx).append(": ").append(message);
    message = std::move(prefixed);
    return std::move(*this);
  }
};

// Specialise for each module's error enum:
//   template <> struct ErrorTraits<scale::Errc> {
//     static constexpr std::string_view domain = "scale";
//     static std::string_view message(scale::Errc);
//   };
template <class E>
struct ErrorTraits;

template <class E>
[[nodiscard]] Error make_error(E e, std::string_view detail = {}) {
  std::string msg(ErrorTraits<E>::message(e));
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return Error{std::string(ErrorTraits<E>::domain), static_cast<int>(e), std::move(msg)};
}

template <class E>
[[nodiscard]] bool is(const Error& err, E e) {
  return err.domain == ErrorTraits<E>::domain && err.code == static_cast<int>(e);
}

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  using value_type = T;

  Result(const T& v) : v_(std::in_place_index<0>, v) {}  // NOLINT(google-explicit-constructor)
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}    // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
           !std::is_same_v<std::remove_cvref_t<U>, Error> &&
           !std::is_same_v<std::remove_cvref_t<U>, Result>)  // excludes Result: no hiding
      Result(U&& u)  // NOLINT(bugprone-forwarding-reference-overload,google-explicit-constructor)
      : v_(std::in_place_index<0>, T(std::forward<U>(u))) {}  // NOLINT

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // check() has established the index, so the access itself is unchecked.
  T& value() & { return check(), *std::get_if<0>(&v_); }
  const T& value() const& { return check(), *std::get_if<0>(&v_); }
  T&& value() && { return check(), std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    EV_ASSERT(!ok(), "Result::error() on a success");
    return std::get<1>(v_);
  }
  Error&& error() && {
    EV_ASSERT(!ok(), "Result::error() on a success");
    return std::get<1>(std::move(v_));
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void check() const {
    if (!ok()) [[unlikely]] {
      fail();
    }
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail() const {
    fatal(__FILE__, __LINE__, ("value() on an error: " + error().to_string()).c_str());
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Error e) : e_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  void value() const {
    if (!ok()) fatal(__FILE__, __LINE__, ("value() on an error: " + e_->to_string()).c_str());
  }
  const Error& error() const& {
    EV_ASSERT(!ok(), "Result::error() on a success");
    return *e_;
  }
  Error&& error() && {
    EV_ASSERT(!ok(), "Result::error() on a success");
    return std::move(*e_);
  }

 private:
  std::optional<Error> e_;
};

// The successful Result<void>.
[[nodiscard]] inline Result<void> ok() { return {}; }

}  // namespace ev

// Unwraps a Result (yielding its value, or nothing for Result<void>) or returns its error
// from the enclosing function, whose return type must be constructible from ev::Error.
#define EV_TRY(...)                                           \
  __extension__({                                             \
    auto ev_try_r_ = (__VA_ARGS__);                           \
    if (!ev_try_r_.ok()) return std::move(ev_try_r_).error(); \
    std::move(ev_try_r_).value();                             \
  })

// Like EV_TRY, but prefixes the error's message with a context string.
#define EV_TRY_CTX(ctx, ...)                                               \
  __extension__({                                                          \
    auto ev_try_r_ = (__VA_ARGS__);                                        \
    if (!ev_try_r_.ok()) return std::move(ev_try_r_).error().context(ctx); \
    std::move(ev_try_r_).value();                                          \
  })
