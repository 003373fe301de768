// SPDX-License-Identifier: LGPL-2.1-or-later
#include "internal.h"
#include <cerrno>
#include <linux/dma-buf.h>
#include <pmm/sync.h>
#include <string>
#include <sys/ioctl.h>

namespace pmm {

namespace {

__u64 accessFlags(Access access)
{
    switch (access) {
    case Access::Read:
        return DMA_BUF_SYNC_READ;
    case Access::Write:
        return DMA_BUF_SYNC_WRITE;
    case Access::ReadWrite:
        break;
    }
    return DMA_BUF_SYNC_RW;
}

Result<void> sync(int fd, __u64 flags) noexcept
{
    struct dma_buf_sync s {};
    s.flags = flags;
    int ret;
    do {
        ret = ::ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    if (ret < 0)
        return detail::lastError();
    return {};
}

std::string syncContext(const char *what, int fd)
{
    return std::string("DMA_BUF_IOCTL_SYNC ") + what + " on fd " + std::to_string(fd);
}

} // namespace

Result<void> trySyncStart(int fd, Access access) noexcept
{
    return sync(fd, DMA_BUF_SYNC_START | accessFlags(access));
}

Result<void> trySyncEnd(int fd, Access access) noexcept
{
    return sync(fd, DMA_BUF_SYNC_END | accessFlags(access));
}

void syncStart(int fd, Access access)
{
    detail::valueOrThrow(trySyncStart(fd, access), [&] { return syncContext("start", fd); });
}

void syncEnd(int fd, Access access)
{
    detail::valueOrThrow(trySyncEnd(fd, access), [&] { return syncContext("end", fd); });
}

Result<CpuAccess> CpuAccess::begin(int fd, Access access) noexcept
{
    // Our own descriptor of the dma-buf: see sync.h.
    Result<UniqueFD> own = UniqueFD::duplicateOf(fd);
    if (!own)
        return own.error();
    if (Result<void> started = trySyncStart(own->get(), access); !started)
        return started.error();
    return CpuAccess(std::move(*own), access);
}

CpuAccess::CpuAccess(int fd, Access access)
    : CpuAccess(detail::valueOrThrow(begin(fd, access), [&] { return syncContext("start", fd); }))
{
}

CpuAccess &CpuAccess::operator=(CpuAccess &&other) noexcept
{
    if (this != &other) {
        (void)tryEnd();
        fd_ = std::move(other.fd_);
        access_ = other.access_;
    }
    return *this;
}

Result<void> CpuAccess::tryEnd() noexcept
{
    if (!fd_)
        return {};
    const UniqueFD fd(std::move(fd_)); // closed whatever the sync says
    return trySyncEnd(fd.get(), access_);
}

void CpuAccess::end()
{
    const int fd = fd_.get();
    detail::valueOrThrow(tryEnd(), [&] { return syncContext("end", fd); });
}

CpuAccess::~CpuAccess()
{
    (void)tryEnd(); // a destructor cannot report it: call end() to see errors
}

} // namespace pmm
