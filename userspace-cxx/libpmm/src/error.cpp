// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cerrno>
#include <cstring>
#include <pmm/error.h>
#include <sys/ioctl.h>

namespace pmm {

std::string errnoName(int err)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (const char *name = strerrorname_np(err))
        return name;
#endif
    return "errno " + std::to_string(err);
}

Error::Error(std::error_code ec, const std::string &context)
    : std::system_error(ec, context + " [" + errnoName(ec.value()) + "]")
{
}

Error::Error(int err, const std::string &context) : Error(errnoCode(err), context)
{
}

void throwErrno(int err, const std::string &context)
{
    throw Error(err, context);
}

namespace detail {
void throwError(const std::error_code &ec)
{
    throw Error(ec, "libpmm");
}
} // namespace detail

int ioctlRetry(int fd, unsigned long request, void *arg) noexcept
{
    int ret;
    do {
        ret = ::ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret;
}

} // namespace pmm
