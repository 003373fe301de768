// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers of libpmm's sources, not installed.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <pmm/error.h>
#include <pmm/result.h>
#include <string>
#include <utility>

namespace pmm::detail {

// errno now, before anything (a message string's allocation) can change it.
inline std::error_code lastError() noexcept
{
    return errnoCode(errno);
}

// v as a size_t of this process: EOVERFLOW where it does not fit (a 32-bit process).
inline Result<std::size_t> toSize(std::uint64_t v) noexcept
{
    if (v > std::numeric_limits<std::size_t>::max())
        return errnoCode(EOVERFLOW);
    return static_cast<std::size_t>(v);
}

// The throwing API over the Result one: context() builds the message only on a failure, from
// the errno the Result saved.
template <typename T, typename Context> T valueOrThrow(Result<T> &&result, Context &&context)
{
    if (!result)
        throw Error(result.error(), context());
    return std::move(*result);
}

template <typename Context> void valueOrThrow(Result<void> &&result, Context &&context)
{
    if (!result)
        throw Error(result.error(), context());
}

} // namespace pmm::detail
