// SPDX-License-Identifier: GPL-2.0
#include "v4l2.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <pmm/error.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <thread>

namespace pmm::media {

namespace {

using Clock = std::chrono::steady_clock;

std::string fixedString(const __u8 *s, std::size_t size)
{
    const char *c = reinterpret_cast<const char *>(s);
    return std::string(c, strnlen(c, size));
}

// Waits for events on fd until deadline; false on timeout. POLLERR (a queue that is not
// streaming yet, say) is not an answer: the caller retries its ioctl, after a short pause.
bool waitFor(int fd, short events, Clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
        return false;
    struct pollfd p {};
    p.fd = fd;
    p.events = events;
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR)
        throwErrno(errno, "poll");
    if (n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) && !(p.revents & events))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return true;
}

} // namespace

std::string fourccName(std::uint32_t fourcc)
{
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>((fourcc >> (8 * i)) & 0x7f);
        s += (c >= ' ' && c < 0x7f) ? c : '.';
    }
    return s;
}

V4l2Device::V4l2Device(const std::string &path) : path_(path)
{
    fd_.reset(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd_)
        throwErrno(errno, "cannot open " + path);
    if (ioctlRetry(fd_.get(), VIDIOC_QUERYCAP, &cap_) < 0)
        throwErrno(errno, "VIDIOC_QUERYCAP on " + path);
}

std::string V4l2Device::driver() const
{
    return fixedString(cap_.driver, sizeof(cap_.driver));
}

std::string V4l2Device::card() const
{
    return fixedString(cap_.card, sizeof(cap_.card));
}

std::uint32_t V4l2Device::deviceCaps() const noexcept
{
    return (cap_.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap_.device_caps : cap_.capabilities;
}

bool V4l2Device::isSinglePlanarM2m() const noexcept
{
    const std::uint32_t want = V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING;
    return (deviceCaps() & want) == want;
}

std::vector<std::uint32_t> V4l2Device::formats(v4l2_buf_type type) const
{
    std::vector<std::uint32_t> all;
    for (std::uint32_t i = 0;; ++i) {
        struct v4l2_fmtdesc d {};
        d.index = i;
        d.type = type;
        if (ioctlRetry(fd_.get(), VIDIOC_ENUM_FMT, &d) < 0) {
            if (errno == EINVAL)
                break;
            throwErrno(errno, "VIDIOC_ENUM_FMT on " + path_);
        }
        all.push_back(d.pixelformat);
    }
    return all;
}

v4l2_pix_format V4l2Device::format(v4l2_buf_type type) const
{
    struct v4l2_format f {};
    f.type = type;
    if (ioctlRetry(fd_.get(), VIDIOC_G_FMT, &f) < 0)
        throwErrno(errno, "VIDIOC_G_FMT on " + path_);
    return f.fmt.pix;
}

v4l2_pix_format V4l2Device::setFormat(v4l2_buf_type type, std::uint32_t fourcc, std::uint32_t width,
                                      std::uint32_t height, std::uint32_t sizeimage)
{
    struct v4l2_format f {};
    f.type = type;
    f.fmt.pix.pixelformat = fourcc;
    f.fmt.pix.width = width;
    f.fmt.pix.height = height;
    f.fmt.pix.sizeimage = sizeimage;
    f.fmt.pix.field = V4L2_FIELD_NONE;
    if (ioctlRetry(fd_.get(), VIDIOC_S_FMT, &f) < 0)
        throwErrno(errno, "VIDIOC_S_FMT " + fourccName(fourcc) + " on " + path_);
    return f.fmt.pix;
}

std::int32_t V4l2Device::control(std::uint32_t id) const
{
    struct v4l2_control c {};
    c.id = id;
    if (ioctlRetry(fd_.get(), VIDIOC_G_CTRL, &c) < 0)
        throwErrno(errno, "VIDIOC_G_CTRL on " + path_);
    return c.value;
}

void V4l2Device::setControl(std::uint32_t id, std::int32_t value)
{
    struct v4l2_control c {};
    c.id = id;
    c.value = value;
    if (ioctlRetry(fd_.get(), VIDIOC_S_CTRL, &c) < 0)
        throwErrno(errno, "VIDIOC_S_CTRL on " + path_);
}

void V4l2Device::subscribeEvent(std::uint32_t type)
{
    struct v4l2_event_subscription s {};
    s.type = type;
    if (ioctlRetry(fd_.get(), VIDIOC_SUBSCRIBE_EVENT, &s) < 0)
        throwErrno(errno, "VIDIOC_SUBSCRIBE_EVENT on " + path_);
}

std::optional<v4l2_event> V4l2Device::waitEvent(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    do {
        struct v4l2_event e {};
        if (ioctlRetry(fd_.get(), VIDIOC_DQEVENT, &e) == 0)
            return e;
        if (errno != ENOENT)
            throwErrno(errno, "VIDIOC_DQEVENT on " + path_);
    } while (waitFor(fd_.get(), POLLPRI, deadline));
    return std::nullopt;
}

unsigned V4l2Device::requestBuffers(v4l2_buf_type type, unsigned count)
{
    struct v4l2_requestbuffers r {};
    r.count = count;
    r.type = type;
    r.memory = V4L2_MEMORY_DMABUF;
    if (ioctlRetry(fd_.get(), VIDIOC_REQBUFS, &r) < 0)
        throwErrno(errno, "VIDIOC_REQBUFS(" + std::to_string(count) + ", DMABUF) on " + path_);
    return r.count;
}

void V4l2Device::queue(v4l2_buf_type type, unsigned index, int dmabufFd, std::uint32_t length,
                       std::uint32_t bytesused, const timeval &timestamp)
{
    struct v4l2_buffer b {};
    b.type = type;
    b.memory = V4L2_MEMORY_DMABUF;
    b.index = index;
    b.m.fd = dmabufFd;
    b.length = length;
    b.bytesused = bytesused;
    b.field = V4L2_FIELD_NONE;
    b.timestamp = timestamp;
    if (ioctlRetry(fd_.get(), VIDIOC_QBUF, &b) < 0)
        throwErrno(errno, "VIDIOC_QBUF of dma-buf fd " + std::to_string(dmabufFd) + " on " + path_);
}

v4l2_buffer V4l2Device::dequeue(v4l2_buf_type type, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    const short events = V4L2_TYPE_IS_OUTPUT(type) ? POLLOUT : POLLIN;
    do {
        struct v4l2_buffer b {};
        b.type = type;
        b.memory = V4L2_MEMORY_DMABUF;
        if (ioctlRetry(fd_.get(), VIDIOC_DQBUF, &b) == 0)
            return b;
        if (errno != EAGAIN)
            throwErrno(errno, "VIDIOC_DQBUF on " + path_);
    } while (waitFor(fd_.get(), events, deadline));
    throwErrno(ETIMEDOUT, "VIDIOC_DQBUF on " + path_ + ": no buffer after " +
                              std::to_string(timeout.count()) + " ms");
}

void V4l2Device::streamOn(v4l2_buf_type type)
{
    int t = type;
    if (ioctlRetry(fd_.get(), VIDIOC_STREAMON, &t) < 0)
        throwErrno(errno, "VIDIOC_STREAMON on " + path_);
}

int V4l2Device::streamOff(v4l2_buf_type type) noexcept
{
    int t = type;
    return ioctlRetry(fd_.get(), VIDIOC_STREAMOFF, &t) < 0 ? errno : 0;
}

DmabufQueue::DmabufQueue(V4l2Device &dev, v4l2_buf_type type, unsigned count)
    : dev_(dev), type_(type), count_(dev.requestBuffers(type, count))
{
}

DmabufQueue::~DmabufQueue()
{
    try {
        dev_.requestBuffers(type_, 0);
    } catch (const Error &) {
        // A destructor cannot report it; closing the device frees the buffers anyway.
    }
}

Streaming::Streaming(V4l2Device &dev, v4l2_buf_type type) : dev_(dev), type_(type)
{
    dev_.streamOn(type_);
}

Streaming::~Streaming()
{
    (void)dev_.streamOff(type_);
}

std::vector<std::string> videoNodes(const std::string &dir)
{
    std::vector<std::pair<unsigned long, std::string>> found;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("video", 0) != 0 || name.size() == 5 ||
            !std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        found.emplace_back(std::stoul(name.substr(5)), e.path().string());
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> paths;
    for (auto &f : found)
        paths.push_back(std::move(f.second));
    return paths;
}

std::string PipelineNodes::describe() const
{
    return "vicodec encoder " + encoder.value_or("absent") + ", vicodec decoder " +
           decoder.value_or("absent") + ", vim2m " + scaler.value_or("absent");
}

PipelineNodes findPipelineNodes(const std::string &dir)
{
    auto has = [](const std::vector<std::uint32_t> &v, std::uint32_t f) {
        return std::find(v.begin(), v.end(), f) != v.end();
    };
    PipelineNodes nodes;
    for (const auto &path : videoNodes(dir)) {
        try {
            V4l2Device dev(path);
            if (!dev.isSinglePlanarM2m())
                continue;
            if (dev.driver() == "vim2m" && dev.card() == "vim2m") {
                if (!nodes.scaler)
                    nodes.scaler = path;
                continue;
            }
            if (dev.driver() != "vicodec" || dev.card() != "vicodec")
                continue;
            const auto out = dev.formats(V4L2_BUF_TYPE_VIDEO_OUTPUT);
            const auto cap = dev.formats(V4L2_BUF_TYPE_VIDEO_CAPTURE);
            if (has(cap, V4L2_PIX_FMT_FWHT) && has(out, V4L2_PIX_FMT_RGB24) && !nodes.encoder)
                nodes.encoder = path;
            else if (has(out, V4L2_PIX_FMT_FWHT) && has(cap, V4L2_PIX_FMT_RGB24) && !nodes.decoder)
                nodes.decoder = path;
        } catch (const Error &) {
            // Not a device we can use (busy, no permission, not V4L2): look further.
        }
    }
    return nodes;
}

} // namespace pmm::media
