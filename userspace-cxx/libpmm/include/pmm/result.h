// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Result<T>: a value or the errno of the failure, for code built without exceptions
// (-fno-exceptions: libcamera, Android). Every operation of libpmm that can fail has a
// try...() form returning one; the throwing forms are thin wrappers over them.
#pragma once

#include <pmm/export.h>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace pmm {

// errno as a std::error_code: the generic category, so that it compares equal to std::errc.
inline std::error_code errnoCode(int err) noexcept
{
    return {err, std::generic_category()};
}

namespace detail {
// Throws pmm::Error for ec (defined in the library, which is built with exceptions).
[[noreturn]] PMM_PUBLIC void throwError(const std::error_code &ec);
} // namespace detail

template <typename T> class [[nodiscard]] Result {
    static_assert(!std::is_same_v<std::remove_cv_t<T>, std::error_code>);

public:
    // Success. Implicit, so that a function returns its value as it is.
    Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>) : v_(std::move(value)) {}
    // Failure: error must not be 0.
    Result(std::error_code error) noexcept : v_(error) {}

    bool hasValue() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return hasValue(); }

    // The failure's code, or an empty code (value 0) on success.
    std::error_code error() const noexcept
    {
        const auto *ec = std::get_if<1>(&v_);
        return ec ? *ec : std::error_code();
    }
    // The failure's positive errno, or 0 on success.
    int errnum() const noexcept { return error().value(); }

    // The value; only after checking hasValue() (on a failure: std::bad_variant_access, or
    // abort() without exceptions).
    T &operator*() & { return std::get<0>(v_); }
    const T &operator*() const & { return std::get<0>(v_); }
    T &&operator*() && { return std::get<0>(std::move(v_)); }
    T *operator->() { return &std::get<0>(v_); }
    const T *operator->() const { return &std::get<0>(v_); }

    // The value, or pmm::Error thrown for the failure (code built with -fno-exceptions checks
    // hasValue() and uses operator*: a throw it cannot catch terminates).
    T &value() &
    {
        check();
        return std::get<0>(v_);
    }
    T &&value() &&
    {
        check();
        return std::get<0>(std::move(v_));
    }

private:
    void check() const
    {
        if (!hasValue())
            detail::throwError(error());
    }

    std::variant<T, std::error_code> v_;
};

// Success or the errno of the failure, for operations that return nothing.
template <> class [[nodiscard]] Result<void> {
public:
    Result() noexcept = default;
    Result(std::error_code error) noexcept : error_(error) {}

    bool hasValue() const noexcept { return !error_; }
    explicit operator bool() const noexcept { return hasValue(); }
    std::error_code error() const noexcept { return error_; }
    int errnum() const noexcept { return error_.value(); }
    // Throws pmm::Error for a failure.
    void value() const
    {
        if (error_)
            detail::throwError(error_);
    }

private:
    std::error_code error_;
};

} // namespace pmm
