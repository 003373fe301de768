// SPDX-License-Identifier: GPL-2.0
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

Error::Error(int err, const std::string &context)
    : std::system_error(err, std::generic_category(), context + " [" + errnoName(err) + "]")
{
}

void throwErrno(int err, const std::string &context)
{
    throw Error(err, context);
}

int ioctlRetry(int fd, unsigned long request, void *arg)
{
    int ret;
    do {
        ret = ::ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret;
}

} // namespace pmm
