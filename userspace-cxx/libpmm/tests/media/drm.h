// SPDX-License-Identifier: GPL-2.0
// A DRM device (vgem in the tests) for dma-buf PRIME import and export, with RAII for its GEM
// handles. The ioctls come from the kernel's exported uapi (drm/drm.h), not from libdrm.
#pragma once

#include <cstdint>
#include <optional>
#include <pmm/unique_fd.h>
#include <string>
#include <string_view>

namespace pmm::media {

class DrmDevice {
public:
    // Opens path O_RDWR | O_CLOEXEC; throws pmm::Error.
    explicit DrmDevice(const std::string &path);

    const std::string &path() const noexcept { return path_; }
    int fd() const noexcept { return fd_.get(); }
    // DRM_IOCTL_VERSION's name ("vgem").
    std::string driverName() const;

    // DRM_IOCTL_PRIME_FD_TO_HANDLE: imports a dma-buf (or finds its earlier import).
    std::uint32_t primeFdToHandle(int dmabufFd);
    // DRM_IOCTL_PRIME_HANDLE_TO_FD, read-write and close-on-exec.
    UniqueFD primeHandleToFd(std::uint32_t handle);
    // DRM_IOCTL_MODE_CREATE_DUMB: a width x height buffer of bpp bits a pixel.
    struct Dumb {
        std::uint32_t handle;
        std::uint32_t pitch;
        std::uint64_t size;
    };
    Dumb createDumb(std::uint32_t width, std::uint32_t height, std::uint32_t bpp);
    // DRM_IOCTL_GEM_CLOSE; returns the errno or 0 (used by destructors).
    int closeHandle(std::uint32_t handle) noexcept;

private:
    std::string path_;
    UniqueFD fd_;
};

// Owns a GEM handle of a DrmDevice: DRM_IOCTL_GEM_CLOSE on reset() and destruction.
class GemHandle {
public:
    GemHandle(DrmDevice &dev, std::uint32_t handle) noexcept : dev_(&dev), handle_(handle) {}
    GemHandle(GemHandle &&other) noexcept : dev_(other.dev_), handle_(other.handle_)
    {
        other.dev_ = nullptr;
    }
    GemHandle &operator=(GemHandle &&) = delete;
    GemHandle(const GemHandle &) = delete;
    GemHandle &operator=(const GemHandle &) = delete;
    ~GemHandle() { (void)reset(); }

    std::uint32_t get() const noexcept { return handle_; }
    // Closes the handle now: the errno of DRM_IOCTL_GEM_CLOSE, or 0.
    int reset() noexcept
    {
        DrmDevice *dev = dev_;
        dev_ = nullptr;
        return dev ? dev->closeHandle(handle_) : 0;
    }

private:
    DrmDevice *dev_;
    std::uint32_t handle_;
};

// The first /dev/dri/card* whose DRM_IOCTL_VERSION name is driver.
std::optional<std::string> findDrmCard(std::string_view driver,
                                       const std::string &dir = "/dev/dri");

} // namespace pmm::media
