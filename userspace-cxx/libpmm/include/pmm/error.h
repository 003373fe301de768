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

// The errno of the Error that f() throws, or 0 if it returns: for checking errors in one line.
template <typename F> int errnoOf(F &&f)
{
    try {
        f();
    } catch (const Error &e) {
        return e.errnum();
    }
    return 0;
}

// ioctl(), again for as long as a signal interrupts it.
int ioctlRetry(int fd, unsigned long request, void *arg);

} // namespace pmm
