// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::Block: a move-only PMM block, the owner of its dma-buf file descriptor.
#pragma once

#include <cstdint>
#include <pmm/export.h>
#include <pmm/mapping.h>
#include <pmm/result.h>
#include <pmm/sync.h>
#include <pmm/unique_fd.h>

namespace pmm {

class PMM_PUBLIC Block {
public:
    Block() noexcept = default;
    // Owns fd, a PMM dma-buf of size bytes.
    Block(UniqueFD fd, std::uint64_t size) noexcept : fd_(std::move(fd)), size_(size) {}

    // Takes any dma-buf fd (one received from another process, or from a dma-heap), its size
    // from lseek(SEEK_END) as for every dma-buf. On failure lseek()'s errno (EBADF; ESPIPE for
    // a pipe or socket), and the fd is closed. Whether it is a PMM block is BLOCK_INFO's to say
    // (Device::tryBlockInfo()).
    static Result<Block> fromFd(UniqueFD fd) noexcept;

    // A moved-from block is empty: fd() == -1, size() == 0.
    Block(Block &&other) noexcept : fd_(std::move(other.fd_)), size_(other.size_)
    {
        other.size_ = 0;
    }
    Block &operator=(Block &&other) noexcept
    {
        if (this != &other) {
            fd_ = std::move(other.fd_);
            size_ = other.size_;
            other.size_ = 0;
        }
        return *this;
    }
    Block(const Block &) = delete;
    Block &operator=(const Block &) = delete;
    ~Block() = default;

    bool isValid() const noexcept { return fd_.isValid(); }
    explicit operator bool() const noexcept { return isValid(); }
    int fd() const noexcept { return fd_.get(); }
    std::uint64_t size() const noexcept { return size_; }

    // Maps the whole block, or length bytes from offset. The mapping keeps the block alive
    // after the block's fd is closed. EBADF for an empty block, EINVAL outside the block,
    // else as Mapping::create().
    Result<Mapping> tryMap(int prot = PROT_READ | PROT_WRITE) const noexcept;
    Result<Mapping> tryMap(std::uint64_t offset, std::uint64_t length,
                           int prot = PROT_READ | PROT_WRITE) const noexcept;
    // The same; throw pmm::Error.
    Mapping map(int prot = PROT_READ | PROT_WRITE) const;
    Mapping map(std::uint64_t offset, std::uint64_t length,
                int prot = PROT_READ | PROT_WRITE) const;

    // A DMA_BUF_IOCTL_SYNC bracket on this block (on its own duplicate of the fd: it may
    // outlive reset()).
    Result<CpuAccess> tryCpuAccess(Access access) const noexcept
    {
        return CpuAccess::begin(fd(), access);
    }
    CpuAccess cpuAccess(Access access) const { return CpuAccess(fd(), access); }

    // Closes the fd (the block is freed once no mapping, bracket or segment is left either).
    void reset() noexcept
    {
        fd_.reset();
        size_ = 0;
    }
    // Gives up the fd, e.g. to pass it to a driver or another process.
    [[nodiscard]] UniqueFD release() noexcept
    {
        size_ = 0;
        return std::move(fd_);
    }

private:
    UniqueFD fd_;
    std::uint64_t size_ = 0;
};

// A block with its mapping: the members are destroyed in reverse order, so the mapping is
// unmapped before the fd is closed.
struct MappedBlock {
    Block block;
    Mapping mapping;

    // Maps the whole block; throws pmm::Error.
    explicit MappedBlock(Block b, int prot = PROT_READ | PROT_WRITE)
        : block(std::move(b)), mapping(block.map(prot))
    {
    }
    MappedBlock(Block b, Mapping m) noexcept : block(std::move(b)), mapping(std::move(m)) {}

    // The same without exceptions: Block::tryMap()'s errno.
    static Result<MappedBlock> create(Block b, int prot = PROT_READ | PROT_WRITE) noexcept
    {
        Result<Mapping> m = b.tryMap(prot);
        if (!m)
            return m.error();
        return MappedBlock(std::move(b), std::move(*m));
    }
};

} // namespace pmm
