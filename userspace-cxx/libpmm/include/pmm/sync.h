// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::CpuAccess: a DMA_BUF_IOCTL_SYNC bracket around CPU access to a dma-buf.
#pragma once

#include <pmm/export.h>
#include <pmm/result.h>
#include <pmm/unique_fd.h>

namespace pmm {

enum class Access { Read, Write, ReadWrite };

// DMA_BUF_IOCTL_SYNC with SYNC_START or SYNC_END, retried on EINTR and EAGAIN.
PMM_PUBLIC Result<void> trySyncStart(int fd, Access access) noexcept;
PMM_PUBLIC Result<void> trySyncEnd(int fd, Access access) noexcept;
// The same; throw pmm::Error.
PMM_PUBLIC void syncStart(int fd, Access access);
PMM_PUBLIC void syncEnd(int fd, Access access);

// Starts CPU access on creation and ends it on end() or in the destructor (which cannot report
// an error: call end() or tryEnd() to see it).
//
// It holds its own duplicate of the fd (F_DUPFD_CLOEXEC): the access ends on the dma-buf it
// started on even when the caller's fd is closed meanwhile (Block::reset()) and its number is
// reused by another file. Tying it to a Block's lifetime instead would dangle when the block is
// moved; the duplicate costs one fcntl() and close() per bracket, and keeps the dma-buf (not
// only the caller's fd) until the access ends, which is what the bracket means.
class PMM_PUBLIC CpuAccess {
public:
    CpuAccess() noexcept = default;
    // Duplicates fd and starts access: the duplicate's errno (EBADF, EMFILE) or the sync's.
    static Result<CpuAccess> begin(int fd, Access access) noexcept;
    // The same; throws pmm::Error.
    CpuAccess(int fd, Access access);

    CpuAccess(CpuAccess &&other) noexcept = default;
    // Ends this bracket's access first (an error there is ignored).
    CpuAccess &operator=(CpuAccess &&other) noexcept;
    CpuAccess(const CpuAccess &) = delete;
    CpuAccess &operator=(const CpuAccess &) = delete;
    ~CpuAccess();

    bool isActive() const noexcept { return fd_.isValid(); }
    Access access() const noexcept { return access_; }

    // Ends the access now (once: later calls do nothing).
    Result<void> tryEnd() noexcept;
    // The same; throws pmm::Error.
    void end();

private:
    CpuAccess(UniqueFD fd, Access access) noexcept : fd_(std::move(fd)), access_(access) {}

    UniqueFD fd_;
    Access access_ = Access::Read;
};

} // namespace pmm
