// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Error: what the throwing API throws, a std::system_error carrying the errno.
#pragma once

#include <pmm/export.h>
#include <pmm/result.h>
#include <string>
#include <system_error>

namespace pmm {

class PMM_PUBLIC Error : public std::system_error {
public:
    // what() is "<context> [<ENAME>]: <strerror>".
    Error(int err, const std::string &context);
    Error(std::error_code ec, const std::string &context);

    // The positive errno value.
    int errnum() const noexcept { return code().value(); }
};

// "ENOMEM" for ENOMEM, or "errno N" if the C library has no name for it.
PMM_PUBLIC std::string errnoName(int err);

// Throws Error(err, context).
[[noreturn]] PMM_PUBLIC void throwErrno(int err, const std::string &context);

#if defined(__cpp_exceptions)
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
#endif

// ioctl(), again for as long as a signal interrupts it: its return value, errno as ioctl()
// left it.
PMM_PUBLIC int ioctlRetry(int fd, unsigned long request, void *arg) noexcept;

} // namespace pmm
