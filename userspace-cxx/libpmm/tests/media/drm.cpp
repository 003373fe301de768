// SPDX-License-Identifier: GPL-2.0
#include "drm.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <drm/drm.h>
#include <fcntl.h>
#include <filesystem>
#include <pmm/error.h>
#include <sys/ioctl.h>
#include <vector>

namespace pmm::media {

namespace {

int xioctl(int fd, unsigned long request, void *arg)
{
    int ret;
    do {
        ret = ::ioctl(fd, request, arg);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    return ret;
}

} // namespace

DrmDevice::DrmDevice(const std::string &path) : path_(path)
{
    fd_.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_)
        throwErrno(errno, "cannot open " + path);
}

std::string DrmDevice::driverName() const
{
    std::array<char, 64> name{};
    struct drm_version v {};
    v.name = name.data();
    v.name_len = name.size() - 1;
    if (xioctl(fd_.get(), DRM_IOCTL_VERSION, &v) < 0)
        throwErrno(errno, "DRM_IOCTL_VERSION on " + path_);
    return std::string(name.data(), std::min<std::size_t>(v.name_len, name.size() - 1));
}

std::uint32_t DrmDevice::primeFdToHandle(int dmabufFd)
{
    struct drm_prime_handle p {};
    p.fd = dmabufFd;
    if (xioctl(fd_.get(), DRM_IOCTL_PRIME_FD_TO_HANDLE, &p) < 0)
        throwErrno(errno, "DRM_IOCTL_PRIME_FD_TO_HANDLE of fd " + std::to_string(dmabufFd));
    return p.handle;
}

UniqueFD DrmDevice::primeHandleToFd(std::uint32_t handle)
{
    struct drm_prime_handle p {};
    p.handle = handle;
    p.flags = DRM_CLOEXEC | DRM_RDWR;
    if (xioctl(fd_.get(), DRM_IOCTL_PRIME_HANDLE_TO_FD, &p) < 0)
        throwErrno(errno, "DRM_IOCTL_PRIME_HANDLE_TO_FD of handle " + std::to_string(handle));
    return UniqueFD(p.fd);
}

DrmDevice::Dumb DrmDevice::createDumb(std::uint32_t width, std::uint32_t height, std::uint32_t bpp)
{
    struct drm_mode_create_dumb c {};
    c.width = width;
    c.height = height;
    c.bpp = bpp;
    if (xioctl(fd_.get(), DRM_IOCTL_MODE_CREATE_DUMB, &c) < 0)
        throwErrno(errno, "DRM_IOCTL_MODE_CREATE_DUMB on " + path_);
    return Dumb{.handle = c.handle, .pitch = c.pitch, .size = c.size};
}

int DrmDevice::closeHandle(std::uint32_t handle) noexcept
{
    struct drm_gem_close c {};
    c.handle = handle;
    return xioctl(fd_.get(), DRM_IOCTL_GEM_CLOSE, &c) < 0 ? errno : 0;
}

std::optional<std::string> findDrmCard(std::string_view driver, const std::string &dir)
{
    std::vector<std::string> cards;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().filename().string().rfind("card", 0) == 0)
            cards.push_back(e.path().string());
    std::sort(cards.begin(), cards.end());
    for (const auto &path : cards) {
        try {
            if (DrmDevice(path).driverName() == driver)
                return path;
        } catch (const Error &) {
            // Not usable: look further.
        }
    }
    return std::nullopt;
}

} // namespace pmm::media
