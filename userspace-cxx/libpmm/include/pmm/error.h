// SPDX-License-Identifier: GPL-2.0
// pmm::Error: every failure of libpmm, a std::system_error carrying the errno.
#pragma once

#include <string>
#include <system_error>

namespace pmm {

class Error : public std::system_error {
public:
    // what() is "<context>: <strerror> (<ENAME>)".
    Error(int err, const std::string &context);

    // The positive errno value.
    int errnum() const noexcept { return code().value(); }
};

// "ENOMEM" for ENOMEM, or the number if the C library has no name for it.
std::string errnoName(int err);

// Throws Error(err, context).
[[noreturn]] void throwErrno(int err, const std::string &context);

} // namespace pmm
