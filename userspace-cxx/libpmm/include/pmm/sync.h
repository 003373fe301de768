// SPDX-License-Identifier: GPL-2.0
// pmm::CpuAccess: a DMA_BUF_IOCTL_SYNC bracket around CPU access to a dma-buf.
#pragma once

namespace pmm {

enum class Access { Read, Write, ReadWrite };

// DMA_BUF_IOCTL_SYNC with SYNC_START or SYNC_END; retried on EINTR/EAGAIN; throws pmm::Error.
void syncStart(int fd, Access access);
void syncEnd(int fd, Access access);

// Starts CPU access on construction, ends it on end() (which throws) or in the destructor
// (which cannot: an error there is ignored). Does not own fd: keep the fd open meanwhile.
class CpuAccess {
public:
    CpuAccess(int fd, Access access);
    CpuAccess(CpuAccess &&other) noexcept : fd_(other.fd_), access_(other.access_)
    {
        other.fd_ = -1;
    }
    CpuAccess &operator=(CpuAccess &&) = delete;
    CpuAccess(const CpuAccess &) = delete;
    CpuAccess &operator=(const CpuAccess &) = delete;
    ~CpuAccess();

    void end();

private:
    int fd_;
    Access access_;
};

} // namespace pmm
