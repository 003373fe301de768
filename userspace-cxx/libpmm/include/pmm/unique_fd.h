// SPDX-License-Identifier: LGPL-2.1-or-later
// pmm::UniqueFD: sole owner of a file descriptor, in the style of libcamera's UniqueFD.
#pragma once

#include <cerrno>
#include <fcntl.h>
#include <pmm/result.h>
#include <unistd.h>

namespace pmm {

class UniqueFD {
public:
    UniqueFD() noexcept = default;
    explicit UniqueFD(int fd) noexcept : fd_(fd) {}
    UniqueFD(UniqueFD &&other) noexcept : fd_(other.release()) {}
    UniqueFD &operator=(UniqueFD &&other) noexcept
    {
        reset(other.release());
        return *this;
    }
    UniqueFD(const UniqueFD &) = delete;
    UniqueFD &operator=(const UniqueFD &) = delete;
    ~UniqueFD() { reset(); }

    // Gives up ownership: the caller must close the returned descriptor.
    [[nodiscard]] int release() noexcept
    {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

    // Closes the owned descriptor (if any, and if it is not fd) and owns fd.
    void reset(int fd = -1) noexcept
    {
        if (fd_ >= 0 && fd_ != fd)
            ::close(fd_);
        fd_ = fd;
    }

    void swap(UniqueFD &other) noexcept
    {
        int fd = fd_;
        fd_ = other.fd_;
        other.fd_ = fd;
    }

    // A new descriptor of the same open file as fd (F_DUPFD_CLOEXEC): fcntl()'s errno.
    static Result<UniqueFD> duplicateOf(int fd) noexcept
    {
        const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
            return errnoCode(errno);
        return UniqueFD(copy);
    }
    Result<UniqueFD> duplicate() const noexcept { return duplicateOf(fd_); }

    int get() const noexcept { return fd_; }
    bool isValid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return isValid(); }

private:
    int fd_ = -1;
};

} // namespace pmm
