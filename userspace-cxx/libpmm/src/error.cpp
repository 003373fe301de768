// SPDX-License-Identifier: GPL-2.0
#include <cstring>
#include <pmm/error.h>

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

} // namespace pmm
