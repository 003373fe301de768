// SPDX-License-Identifier: GPL-2.0
// V4L2 memory-to-memory devices driven with V4L2_MEMORY_DMABUF buffers (the media pipeline
// tests): the device, RAII for its buffer queues and streaming, and finding vicodec's stateful
// FWHT encoder and decoder and vim2m among /dev/video* by what they report, never by number.
#pragma once

#include <chrono>
#include <cstdint>
#include <linux/videodev2.h>
#include <optional>
#include <pmm/unique_fd.h>
#include <string>
#include <vector>

namespace pmm::media {

// "RGB3" for V4L2_PIX_FMT_RGB24.
std::string fourccName(std::uint32_t fourcc);

// One open /dev/videoN, single-planar API. Opened O_NONBLOCK: every wait is a poll() with a
// timeout, so a driver that never completes a buffer fails the test instead of hanging it.
// Every failing ioctl throws pmm::Error with its errno.
class V4l2Device {
public:
    explicit V4l2Device(const std::string &path);

    const std::string &path() const noexcept { return path_; }
    int fd() const noexcept { return fd_.get(); }
    std::string driver() const;
    std::string card() const;
    // device_caps when the driver reports them, else capabilities.
    std::uint32_t deviceCaps() const noexcept;
    // A single-planar memory-to-memory device that can stream.
    bool isSinglePlanarM2m() const noexcept;

    // VIDIOC_ENUM_FMT on a queue.
    std::vector<std::uint32_t> formats(v4l2_buf_type type) const;
    v4l2_pix_format format(v4l2_buf_type type) const;
    // VIDIOC_S_FMT; returns what the driver set, which may differ from the request.
    v4l2_pix_format setFormat(v4l2_buf_type type, std::uint32_t fourcc, std::uint32_t width,
                              std::uint32_t height, std::uint32_t sizeimage = 0);

    std::int32_t control(std::uint32_t id) const;
    void setControl(std::uint32_t id, std::int32_t value);

    void subscribeEvent(std::uint32_t type);
    // The next event, waiting up to timeout; nullopt when none came.
    std::optional<v4l2_event> waitEvent(std::chrono::milliseconds timeout);

    // VIDIOC_REQBUFS with V4L2_MEMORY_DMABUF: the number of buffers granted.
    unsigned requestBuffers(v4l2_buf_type type, unsigned count);
    // VIDIOC_QBUF of dma-buf fd as buffer index: length is the buffer's size, bytesused the
    // payload (an OUTPUT buffer's data; 0 for a CAPTURE buffer).
    void queue(v4l2_buf_type type, unsigned index, int dmabufFd, std::uint32_t length,
               std::uint32_t bytesused, const timeval &timestamp = {});
    // VIDIOC_DQBUF, waiting up to timeout; throws pmm::Error(ETIMEDOUT) when none came.
    v4l2_buffer dequeue(v4l2_buf_type type, std::chrono::milliseconds timeout);

    void streamOn(v4l2_buf_type type);
    // VIDIOC_STREAMOFF; no exception (used by destructors), returns the errno or 0.
    int streamOff(v4l2_buf_type type) noexcept;

private:
    std::string path_;
    UniqueFD fd_;
    v4l2_capability cap_{};
};

// REQBUFS(count, DMABUF) on construction, REQBUFS(0) on destruction, which makes the driver
// drop its references to the dma-bufs queued on it. Declare it before the Streaming of the same
// queue: streaming must stop first.
class DmabufQueue {
public:
    DmabufQueue(V4l2Device &dev, v4l2_buf_type type, unsigned count);
    DmabufQueue(const DmabufQueue &) = delete;
    DmabufQueue &operator=(const DmabufQueue &) = delete;
    ~DmabufQueue();

    unsigned count() const noexcept { return count_; }

private:
    V4l2Device &dev_;
    v4l2_buf_type type_;
    unsigned count_;
};

// STREAMON on construction, STREAMOFF on destruction.
class Streaming {
public:
    Streaming(V4l2Device &dev, v4l2_buf_type type);
    Streaming(const Streaming &) = delete;
    Streaming &operator=(const Streaming &) = delete;
    ~Streaming();

private:
    V4l2Device &dev_;
    v4l2_buf_type type_;
};

// Every /dev/videoN, in the order of N.
std::vector<std::string> videoNodes(const std::string &dir = "/dev");

// The nodes of the media pipeline, found by VIDIOC_QUERYCAP and VIDIOC_ENUM_FMT: vicodec's
// stateful encoder (raw formats on OUTPUT, FWHT on CAPTURE), its stateful decoder (FWHT on
// OUTPUT, raw formats on CAPTURE; the stateless decoder takes FWHT_STATELESS and is not it) and
// vim2m. Each is empty when no such device exists or it is not single-planar.
struct PipelineNodes {
    std::optional<std::string> encoder;
    std::optional<std::string> decoder;
    std::optional<std::string> scaler;
    // What was found, for a skip message.
    std::string describe() const;
};
PipelineNodes findPipelineNodes(const std::string &dir = "/dev");

} // namespace pmm::media
