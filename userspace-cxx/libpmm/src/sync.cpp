// SPDX-License-Identifier: GPL-2.0
#include <cerrno>
#include <linux/dma-buf.h>
#include <pmm/error.h>
#include <pmm/sync.h>
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

void sync(int fd, __u64 flags, const char *what)
{
    struct dma_buf_sync s {};
    s.flags = flags;
    int ret;
    do {
        ret = ::ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    if (ret < 0)
        throwErrno(errno, what);
}

} // namespace

void syncStart(int fd, Access access)
{
    sync(fd, DMA_BUF_SYNC_START | accessFlags(access), "DMA_BUF_IOCTL_SYNC start");
}

void syncEnd(int fd, Access access)
{
    sync(fd, DMA_BUF_SYNC_END | accessFlags(access), "DMA_BUF_IOCTL_SYNC end");
}

CpuAccess::CpuAccess(int fd, Access access) : fd_(fd), access_(access)
{
    syncStart(fd_, access_);
}

void CpuAccess::end()
{
    if (fd_ < 0)
        return;
    const int fd = fd_;
    fd_ = -1;
    syncEnd(fd, access_);
}

CpuAccess::~CpuAccess()
{
    try {
        end();
    } catch (const Error &) {
        // A destructor cannot report it: call end() to see errors.
    }
}

} // namespace pmm
