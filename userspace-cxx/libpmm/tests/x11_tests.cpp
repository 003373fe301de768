// SPDX-License-Identifier: LGPL-2.1-or-later
// MIT-SHM on PMM blocks: an unmodified Xvfb attaches a PMM block made a System V segment
// (PMM_IOCTL_SHMGET) and reads the frame drawn through the block's dma-buf mapping, without a
// copy. Round trips compared pixel for pixel, a negative control (a copy is detected), and a
// hand-off benchmark (figures only). Run in the guest by scripts/guest/sysv-tests.sh; skips
// without Xvfb, MIT-SHM or /dev/pmm.
//
// Environment: PMM_X11_SCREEN (WxHxD, default 1920x1080x24), PMM_X11_START_TIMEOUT (seconds,
// default 120), PMM_X11_BENCH_ITERS (default 20).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <pmm/device.h>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

// Last: Xlib defines None, Bool, True, False and Status as macros.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>

namespace {

// --- Small helpers. ---

std::string envOr(const char *name, const std::string &fallback)
{
    const char *v = std::getenv(name);
    return v && *v ? v : fallback;
}

unsigned envNumber(const char *name, unsigned fallback)
{
    const std::string v = envOr(name, "");
    if (v.empty())
        return fallback;
    char *end = nullptr;
    const unsigned long n = std::strtoul(v.c_str(), &end, 10);
    return *end || n == 0 ? fallback : static_cast<unsigned>(n);
}

std::optional<std::filesystem::path> findProgram(const std::string &name)
{
    std::istringstream path(envOr("PATH", "/usr/bin:/bin"));
    std::string dir;
    while (std::getline(path, dir, ':')) {
        const std::filesystem::path p = std::filesystem::path(dir) / name;
        if (::access(p.c_str(), X_OK) == 0)
            return p;
    }
    return std::nullopt;
}

std::string tail(const std::filesystem::path &file, std::size_t lines)
{
    std::ifstream in(file);
    std::vector<std::string> all;
    for (std::string l; std::getline(in, l);)
        all.push_back(l);
    std::string out;
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
        out += "  " + all[i] + "\n";
    return out;
}

// --- Xvfb, started and stopped. ---

// An unmodified Xvfb on a display it picks itself (-displayfd), killed on destruction.
class Xvfb {
public:
    Xvfb(const std::filesystem::path &program, const std::string &screen,
         const std::filesystem::path &log, std::chrono::seconds timeout)
        : log_(log)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0)
            pmm::throwErrno(errno, "pipe2");
        pmm::UniqueFD readEnd(fds[0]), writeEnd(fds[1]);
        pmm::UniqueFD logFd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!logFd)
            pmm::throwErrno(errno, "cannot create " + log.string());
        pmm::UniqueFD null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        // Everything the child needs is made before fork(): it only calls async-signal-safe
        // functions.
        const std::string displayFd = std::to_string(writeEnd.get());
        std::vector<std::string> args = {program.string(), "-displayfd", displayFd, "-screen", "0",
                                         screen,           "-nolisten",  "tcp",     "-noreset"};
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);

        pid_ = ::fork();
        if (pid_ < 0)
            pmm::throwErrno(errno, "fork");
        if (pid_ == 0) {
            ::dup2(null.get(), 0);
            ::dup2(logFd.get(), 1);
            ::dup2(logFd.get(), 2);
            ::fcntl(writeEnd.get(), F_SETFD, 0); // inherited by Xvfb
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        writeEnd.reset();
        // Xvfb writes the display number, then a newline, once it accepts connections.
        std::string number;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (number.find('\n') == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                throw std::runtime_error("Xvfb did not report a display within " +
                                         std::to_string(timeout.count()) + " s; its log:\n" +
                                         tail(log_, 20));
            struct pollfd p {
                readEnd.get(), POLLIN, 0
            };
            const int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                continue;
            char buf[32];
            const ssize_t n = ::read(readEnd.get(), buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                throw std::runtime_error("Xvfb exited before it was ready; its log:\n" +
                                         tail(log_, 20));
            number.append(buf, static_cast<std::size_t>(n));
        }
        display_ = ":" + number.substr(0, number.find('\n'));
    }
    Xvfb(const Xvfb &) = delete;
    Xvfb &operator=(const Xvfb &) = delete;
    ~Xvfb() { stop(); }

    const std::string &display() const noexcept { return display_; }

    void stop() noexcept
    {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGTERM);
        int status;
        for (int i = 0; i < 200; ++i) { // 10 s
            if (::waitpid(pid_, &status, WNOHANG) != 0) {
                pid_ = -1;
                return;
            }
            ::usleep(50000);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::filesystem::path log_;
    pid_t pid_ = -1;
    std::string display_;
};

// --- Xlib resources. ---

struct DisplayCloser {
    void operator()(Display *d) const noexcept { XCloseDisplay(d); }
};
using DisplayPtr = std::unique_ptr<Display, DisplayCloser>;

struct ImageDestroyer {
    void operator()(XImage *i) const noexcept { XDestroyImage(i); }
};
using ImagePtr = std::unique_ptr<XImage, ImageDestroyer>;

// A server-side resource (XID or GC) freed with Free(display, handle) on destruction.
template <typename Handle, auto Free> class XResource {
public:
    XResource() noexcept = default;
    XResource(Display *dpy, Handle h) noexcept : dpy_(dpy), h_(h) {}
    XResource(XResource &&o) noexcept
        : dpy_(std::exchange(o.dpy_, nullptr)), h_(std::exchange(o.h_, Handle{}))
    {
    }
    XResource &operator=(XResource &&o) noexcept
    {
        if (this != &o) {
            reset();
            dpy_ = std::exchange(o.dpy_, nullptr);
            h_ = std::exchange(o.h_, Handle{});
        }
        return *this;
    }
    XResource(const XResource &) = delete;
    XResource &operator=(const XResource &) = delete;
    ~XResource() { reset(); }
    void reset() noexcept
    {
        if (dpy_ && h_)
            Free(dpy_, h_);
        dpy_ = nullptr;
        h_ = Handle{};
    }
    Handle get() const noexcept { return h_; }

private:
    Display *dpy_ = nullptr;
    Handle h_{};
};
using XPixmap = XResource<Pixmap, &XFreePixmap>;
using XWindow = XResource<Window, &XDestroyWindow>;
using XGc = XResource<GC, &XFreeGC>;

// X errors arrive asynchronously: the handler records the last one, checked after XSync.
int gLastXError = 0;
int recordXError(Display *, XErrorEvent *e)
{
    gLastXError = e->error_code;
    return 0;
}

// Installs recordXError for its lifetime.
class XErrorTrap {
public:
    explicit XErrorTrap(Display *dpy) : dpy_(dpy)
    {
        XSync(dpy_, False);
        gLastXError = 0;
        old_ = XSetErrorHandler(recordXError);
    }
    XErrorTrap(const XErrorTrap &) = delete;
    XErrorTrap &operator=(const XErrorTrap &) = delete;
    ~XErrorTrap() { XSetErrorHandler(old_); }
    // Syncs and returns the error code since construction (0: none).
    int check()
    {
        XSync(dpy_, False);
        return std::exchange(gLastXError, 0);
    }

private:
    Display *dpy_;
    XErrorHandler old_;
};

std::string xErrorText(Display *dpy, int code)
{
    char text[128] = "";
    XGetErrorText(dpy, code, text, sizeof(text));
    return text;
}

// A ZPixmap XImage over a System V segment the server attaches (XShmAttach); detached from the
// server on destruction. The segment's memory is the caller's: data points into a mapping or
// attachment of the segment that must outlive this object. Not movable: the image holds the
// address of shminfo_.
class ShmImage {
public:
    ShmImage(Display *dpy, Visual *visual, int depth, int width, int height)
        : dpy_(dpy), shminfo_(std::make_unique<XShmSegmentInfo>())
    {
        *shminfo_ = XShmSegmentInfo{};
        shminfo_->shmid = -1;
        image_.reset(XShmCreateImage(dpy, visual, static_cast<unsigned>(depth), ZPixmap, nullptr,
                                     shminfo_.get(), static_cast<unsigned>(width),
                                     static_cast<unsigned>(height)));
        if (!image_)
            throw std::runtime_error("XShmCreateImage failed");
    }
    ShmImage(const ShmImage &) = delete;
    ShmImage &operator=(const ShmImage &) = delete;
    ~ShmImage()
    {
        if (attached_) {
            XShmDetach(dpy_, shminfo_.get());
            XSync(dpy_, False);
        }
        image_.reset(); // before shminfo_, which it points to
    }

    std::size_t bytes() const
    {
        return static_cast<std::size_t>(image_->bytes_per_line) *
               static_cast<std::size_t>(image_->height);
    }

    // Has the server attach segment shmid (read-only: the server only reads it); the client
    // side of the image is data, bytes() bytes of the same segment. Throws on an X error.
    void attach(int shmid, std::byte *data, bool readOnly)
    {
        shminfo_->shmid = shmid;
        shminfo_->shmaddr = reinterpret_cast<char *>(data);
        shminfo_->readOnly = readOnly ? True : False;
        image_->data = shminfo_->shmaddr;
        XErrorTrap trap(dpy_);
        if (!XShmAttach(dpy_, shminfo_.get()))
            throw std::runtime_error("XShmAttach failed");
        attached_ = true;
        if (const int err = trap.check())
            throw std::runtime_error("XShmAttach of segment " + std::to_string(shmid) + ": " +
                                     xErrorText(dpy_, err));
    }

    XImage *get() const noexcept { return image_.get(); }
    std::span<std::byte> data() const
    {
        return {reinterpret_cast<std::byte *>(image_->data), bytes()};
    }

private:
    Display *dpy_;
    std::unique_ptr<XShmSegmentInfo> shminfo_;
    ImagePtr image_;
    bool attached_ = false;
};

// --- The picture: a per-pixel hash of (x, y, seed), 24 bits of 0x00RRGGBB. ---

std::uint32_t pixel(int x, int y, std::uint32_t seed)
{
    std::uint32_t h = static_cast<std::uint32_t>(x) * 0x9E3779B1u ^
                      static_cast<std::uint32_t>(y) * 0x85EBCA77u ^ seed * 0xC2B2AE3Du;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h & 0x00ffffffu;
}

void drawRows(std::span<std::byte> buf, int stride, int width, int y0, int y1,
              const std::function<std::uint32_t(int, int)> &f)
{
    for (int y = y0; y < y1; ++y) {
        std::byte *row =
            buf.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride);
        for (int x = 0; x < width; ++x) {
            const std::uint32_t v = f(x, y);
            std::memcpy(row + static_cast<std::size_t>(x) * 4, &v, 4);
        }
    }
}

void draw(std::span<std::byte> buf, int stride, int width, int height, std::uint32_t seed)
{
    drawRows(buf, stride, width, 0, height, [seed](int x, int y) { return pixel(x, y, seed); });
}

// Pixels of a 32-bpp ZPixmap buffer whose 24 colour bits differ from want(x, y).
std::size_t mismatches(std::span<const std::byte> buf, int stride, int width, int height,
                       const std::function<std::uint32_t(int, int)> &want)
{
    std::size_t bad = 0;
    for (int y = 0; y < height; ++y) {
        const std::byte *row =
            buf.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride);
        for (int x = 0; x < width; ++x) {
            std::uint32_t v;
            std::memcpy(&v, row + static_cast<std::size_t>(x) * 4, 4);
            bad += (v & 0x00ffffffu) != want(x, y);
        }
    }
    return bad;
}

std::size_t mismatches(const XImage &img, const std::function<std::uint32_t(int, int)> &want)
{
    const std::span<const std::byte> buf(reinterpret_cast<const std::byte *>(img.data),
                                         static_cast<std::size_t>(img.bytes_per_line) *
                                             static_cast<std::size_t>(img.height));
    return mismatches(buf, img.bytes_per_line, img.width, img.height, want);
}

std::function<std::uint32_t(int, int)> pattern(std::uint32_t seed)
{
    return [seed](int x, int y) { return pixel(x, y, seed); };
}

// --- The fixture: one Xvfb for the whole suite. ---

class MitShm : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        skipReason_.clear();
        const auto program = findProgram("Xvfb");
        if (!program) {
            skipReason_ = "Xvfb is not installed (Debian package xvfb)";
            return;
        }
        const std::string screen = envOr("PMM_X11_SCREEN", "1920x1080x24");
        log_ = std::filesystem::temp_directory_path() /
               ("pmm-x11-xvfb-" + std::to_string(::getpid()) + ".log");
        const auto t0 = std::chrono::steady_clock::now();
        try {
            server_ = std::make_unique<Xvfb>(
                *program, screen, log_,
                std::chrono::seconds(envNumber("PMM_X11_START_TIMEOUT", 120)));
        } catch (const std::exception &e) {
            startError_ = e.what();
            return;
        }
        dpy_.reset(XOpenDisplay(server_->display().c_str()));
        if (!dpy_) {
            startError_ = "cannot open display " + server_->display();
            return;
        }
        int major = 0, minor = 0;
        Bool pixmaps = False;
        if (!XShmQueryExtension(dpy_.get()) ||
            !XShmQueryVersion(dpy_.get(), &major, &minor, &pixmaps)) {
            skipReason_ = "the X server has no MIT-SHM extension";
            return;
        }
        const int screenNo = DefaultScreen(dpy_.get());
        std::printf("Xvfb %s on display %s ready in %.1f s: MIT-SHM %d.%d, root %dx%d depth %d\n",
                    screen.c_str(), server_->display().c_str(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                    major, minor, DisplayWidth(dpy_.get(), screenNo),
                    DisplayHeight(dpy_.get(), screenNo), DefaultDepth(dpy_.get(), screenNo));
    }

    static void TearDownTestSuite()
    {
        dpy_.reset();
        server_.reset();
        if (startError_.empty() && !log_.empty())
            std::filesystem::remove(log_); // kept when the server failed
    }

    void SetUp() override
    {
        if (!skipReason_.empty())
            GTEST_SKIP() << skipReason_;
        ASSERT_TRUE(startError_.empty()) << startError_;
        dpy = dpy_.get();
        screen = DefaultScreen(dpy);
        visual = DefaultVisual(dpy, screen);
        depth = DefaultDepth(dpy, screen);
        // The comparison reads 32-bit 0x00RRGGBB pixels.
        ImagePtr probe(XCreateImage(dpy, visual, static_cast<unsigned>(depth), ZPixmap, 0, nullptr,
                                    1, 1, 32, 0));
        ASSERT_TRUE(probe);
        if (depth != 24 || probe->bits_per_pixel != 32 || probe->byte_order != LSBFirst ||
            visual->red_mask != 0xff0000 || visual->green_mask != 0xff00 ||
            visual->blue_mask != 0xff)
            GTEST_SKIP() << "the default visual is not 24-bit TrueColor in 32-bit LSB pixels";
    }

    // /dev/pmm and a memory type with room for bytes, as a device and that type's mask.
    bool needPmm(std::size_t bytes, std::string *why = nullptr)
    {
        std::string reason;
        if (!pmm::Device::present()) {
            reason = "/dev/pmm absent (not a PMM kernel)";
        } else {
            dev.emplace();
            for (const auto &t : dev->types())
                if (t.largestFreeBytes >= bytes && t.mask()) {
                    type = t;
                    return true;
                }
            reason = "no PMM memory type has " + std::to_string(bytes) + " contiguous bytes free";
        }
        if (why)
            *why = reason;
        return false;
    }

    pmm::Block allocate(std::size_t bytes) const
    {
        return dev->allocate(bytes, type->mask().value());
    }

    XPixmap makePixmap(int w, int h) const
    {
        return XPixmap(dpy, XCreatePixmap(dpy, RootWindow(dpy, screen), static_cast<unsigned>(w),
                                          static_cast<unsigned>(h), static_cast<unsigned>(depth)));
    }
    // A window at the origin, mapped and exposed (no window manager: at once).
    XWindow makeMappedWindow(int w, int h) const
    {
        XSetWindowAttributes attrs{};
        attrs.event_mask = StructureNotifyMask | ExposureMask;
        attrs.background_pixel = BlackPixel(dpy, screen);
        XWindow win(dpy, XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, static_cast<unsigned>(w),
                                       static_cast<unsigned>(h), 0, depth, InputOutput, visual,
                                       CWEventMask | CWBackPixel, &attrs));
        XMapWindow(dpy, win.get());
        for (XEvent ev;;) {
            XWindowEvent(dpy, win.get(), StructureNotifyMask | ExposureMask, &ev);
            if (ev.type == Expose)
                break;
        }
        return win;
    }

    XGc makeGc(Drawable d) const { return XGc(dpy, XCreateGC(dpy, d, 0, nullptr)); }

    ImagePtr readBack(Drawable d, int w, int h) const
    {
        return ImagePtr(XGetImage(dpy, d, 0, 0, static_cast<unsigned>(w), static_cast<unsigned>(h),
                                  AllPlanes, ZPixmap));
    }

    // XShmPutImage of the w x h image into d, then d read back (XGetImage). Null, with a test
    // failure, when the server reports an error.
    ImagePtr putAndReadBack(Drawable d, XImage *img, int w, int h) const
    {
        XGc gc = makeGc(d);
        XErrorTrap trap(dpy);
        XShmPutImage(dpy, d, gc.get(), img, 0, 0, 0, 0, static_cast<unsigned>(w),
                     static_cast<unsigned>(h), False);
        if (const int err = trap.check()) {
            ADD_FAILURE() << "XShmPutImage: " << xErrorText(dpy, err);
            return nullptr;
        }
        ImagePtr got = readBack(d, w, h);
        EXPECT_TRUE(got) << "XGetImage failed";
        return got;
    }

    static inline std::unique_ptr<Xvfb> server_;
    static inline DisplayPtr dpy_;
    static inline std::string skipReason_, startError_;
    static inline std::filesystem::path log_;

    Display *dpy = nullptr;
    int screen = 0;
    Visual *visual = nullptr;
    int depth = 0;
    std::optional<pmm::Device> dev;
    std::optional<pmm::TypeInfo> type;
};

#define NEED_PMM(bytes)                                                                            \
    do {                                                                                           \
        std::string why_;                                                                          \
        if (!needPmm(bytes, &why_))                                                                \
            GTEST_SKIP() << why_;                                                                  \
    } while (0)

void report(const char *what, int w, int h, std::size_t bad)
{
    std::printf("%s %dx%d: %zu pixels compared, %zu mismatches\n", what, w, h,
                static_cast<std::size_t>(w) * static_cast<std::size_t>(h), bad);
    std::fflush(stdout);
}

std::size_t frameBytes(Display *dpy, Visual *visual, int depth, int w, int h)
{
    return ShmImage(dpy, visual, depth, w, h).bytes();
}

// The whole frame into a mapped window: the server reads the PMM block's pages, drawn through
// the block's dma-buf mapping after the conversion and after XShmAttach. Then a second
// picture in the same pages, read back with XShmGetImage into a second PMM segment.
TEST_F(MitShm, PmmFrameToWindowRoundTrip)
{
    const int w = DisplayWidth(dpy, screen), h = DisplayHeight(dpy, screen);
    const std::size_t bytes = frameBytes(dpy, visual, depth, w, h);
    NEED_PMM(2 * bytes);
    const auto before = pmm::readStats(type->name);
    {
        // Out: the frame the client draws; in: what the server writes back.
        pmm::Block outBlock = allocate(bytes), inBlock = allocate(bytes);
        pmm::Mapping outMap = outBlock.map(), inMap = inBlock.map();
        pmm::Segment outSeg =
            dev->shmget(outBlock, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        pmm::Segment inSeg =
            dev->shmget(inBlock, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        // The client never shmat()s: its side of each image is the dma-buf mapping.
        ShmImage out(dpy, visual, depth, w, h), in(dpy, visual, depth, w, h);
        out.attach(outSeg.id(), outMap.data().data(), true);
        in.attach(inSeg.id(), inMap.data().data(), false);
        EXPECT_EQ(outSeg.stat().shm_nattch, 1u) << "the server did not attach the segment";
        EXPECT_EQ(inSeg.stat().shm_nattch, 1u) << "the server did not attach the segment";
        // As X clients do: removed once the server holds it, freed when it lets go.
        outSeg.remove();
        inSeg.remove();

        XWindow win = makeMappedWindow(w, h);
        XGc gc = makeGc(win.get());

        {
            auto access = outBlock.cpuAccess(pmm::Access::Write);
            draw(outMap.data(), out.get()->bytes_per_line, w, h, 1);
            access.end();
        }
        ImagePtr got = putAndReadBack(win.get(), out.get(), w, h);
        ASSERT_TRUE(got);
        const std::size_t bad1 = mismatches(*got, pattern(1));
        report("window round trip (XShmPutImage from the PMM segment, XGetImage)", w, h, bad1);
        EXPECT_EQ(bad1, 0u);

        // A new picture in the same pages, no new conversion: the server sees it.
        {
            auto access = outBlock.cpuAccess(pmm::Access::Write);
            draw(outMap.data(), out.get()->bytes_per_line, w, h, 2);
            access.end();
        }
        XErrorTrap trap(dpy);
        XShmPutImage(dpy, win.get(), gc.get(), out.get(), 0, 0, 0, 0, static_cast<unsigned>(w),
                     static_cast<unsigned>(h), False);
        ASSERT_TRUE(XShmGetImage(dpy, win.get(), in.get(), 0, 0, AllPlanes));
        ASSERT_EQ(trap.check(), 0);
        std::size_t bad2;
        {
            auto access = inBlock.cpuAccess(pmm::Access::Read);
            bad2 = mismatches(inMap.constData(), in.get()->bytes_per_line, w, h, pattern(2));
            access.end();
        }
        report("window round trip (XShmPutImage, XShmGetImage into a second PMM segment)", w, h,
               bad2);
        EXPECT_EQ(bad2, 0u);
    } // the server detaches (XShmDetach, XSync), the removed segments go, the blocks are freed
    const auto after = pmm::readStats(type->name);
    EXPECT_EQ(after.nrBlocks, before.nrBlocks);
    EXPECT_EQ(after.freeBytes, before.freeBytes);
}

// The baseline, no PMM: ordinary segments, shmat() by the client, the same round trip as
// PmmFrameToWindowRoundTrip. If this fails, MIT-SHM itself is broken here, not PMM.
TEST_F(MitShm, OrdinarySegmentWindowRoundTrip)
{
    const int w = 800, h = 600;
    ShmImage out(dpy, visual, depth, w, h), in(dpy, visual, depth, w, h);
    pmm::Segment outSeg =
        pmm::Segment::create(out.bytes(), IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    pmm::Segment inSeg =
        pmm::Segment::create(in.bytes(), IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    pmm::Attachment outAtt = outSeg.attach(), inAtt = inSeg.attach();
    out.attach(outSeg.id(), outAtt.data().data(), true);
    in.attach(inSeg.id(), inAtt.data().data(), false);
    XWindow win = makeMappedWindow(w, h);
    draw(outAtt.data(), out.get()->bytes_per_line, w, h, 8);
    ImagePtr got = putAndReadBack(win.get(), out.get(), w, h);
    ASSERT_TRUE(got);
    const std::size_t bad1 = mismatches(*got, pattern(8));
    report("baseline window round trip (ordinary segment, XGetImage)", w, h, bad1);
    EXPECT_EQ(bad1, 0u);
    XErrorTrap trap(dpy);
    ASSERT_TRUE(XShmGetImage(dpy, win.get(), in.get(), 0, 0, AllPlanes));
    ASSERT_EQ(trap.check(), 0);
    const std::size_t bad2 =
        mismatches(inAtt.constData(), in.get()->bytes_per_line, w, h, pattern(8));
    report("baseline window round trip (XShmGetImage into an ordinary segment)", w, h, bad2);
    EXPECT_EQ(bad2, 0u);
}

// An odd size into a pixmap, the client's side through shmat() this time, the block's fd and
// mapping closed before the server reads: the segment alone holds the block.
TEST_F(MitShm, PmmSegmentToPixmapOddSize)
{
    const int w = 1283, h = 719;
    const std::size_t bytes = frameBytes(dpy, visual, depth, w, h);
    NEED_PMM(bytes);
    const auto before = pmm::readStats(type->name);
    {
        pmm::Segment seg;
        {
            pmm::Block block = allocate(bytes);
            seg = dev->shmget(block, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        }
        pmm::Attachment att = seg.attach();
        ShmImage img(dpy, visual, depth, w, h);
        img.attach(seg.id(), att.data().data(), true);
        draw(att.data(), img.get()->bytes_per_line, w, h, 3);
        XPixmap pix = makePixmap(w, h);
        ImagePtr got = putAndReadBack(pix.get(), img.get(), w, h);
        ASSERT_TRUE(got);
        const std::size_t bad = mismatches(*got, pattern(3));
        report("pixmap round trip (PMM segment through shmat)", w, h, bad);
        EXPECT_EQ(bad, 0u);
    }
    const auto after = pmm::readStats(type->name);
    EXPECT_EQ(after.nrBlocks, before.nrBlocks);
    EXPECT_EQ(after.freeBytes, before.freeBytes);
}

// The negative control: the server attaches a copy of the block (an ordinary segment filled
// from it), then the client draws in the block. The comparison must see the copy's stale
// picture, not the new one: this is what the round trips above would report if
// PMM_IOCTL_SHMGET copied the block instead of sharing its pages. No /dev/pmm needed: the
// "block" is then an ordinary segment too.
TEST_F(MitShm, ComparisonDetectsACopy)
{
    const int w = 640, h = 480;
    const std::size_t bytes = frameBytes(dpy, visual, depth, w, h);
    std::optional<pmm::Block> block;
    std::optional<pmm::Mapping> map;
    pmm::Segment plainSource;
    pmm::Attachment plainSourceAtt;
    std::span<std::byte> source;
    if (needPmm(bytes)) {
        block = allocate(bytes);
        map = block->map();
        source = map->data();
    } else {
        plainSource =
            pmm::Segment::create(bytes, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        plainSourceAtt = plainSource.attach();
        source = plainSourceAtt.data();
    }
    ShmImage img(dpy, visual, depth, w, h);
    const int stride = img.get()->bytes_per_line;
    draw(source, stride, w, h, 4);
    pmm::Segment copy =
        pmm::Segment::create(bytes, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
    pmm::Attachment copyAtt = copy.attach();
    std::memcpy(copyAtt.data().data(), source.data(), bytes);
    img.attach(copy.id(), copyAtt.data().data(), true);
    draw(source, stride, w, h, 5); // after the copy
    XPixmap pix = makePixmap(w, h);
    ImagePtr got = putAndReadBack(pix.get(), img.get(), w, h);
    ASSERT_TRUE(got);
    const std::size_t bad = mismatches(*got, pattern(5));
    report("negative control (drawn after a copy; mismatches expected)", w, h, bad);
    const std::size_t pixels = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    EXPECT_GT(bad, pixels * 99 / 100) << "the comparison does not detect a copy";
    EXPECT_EQ(mismatches(*got, pattern(4)), 0u) << "the copy itself did not arrive";
}

// --- The hand-off benchmark: figures, no timed assertion. ---

struct Timing {
    std::vector<double> ms;
    double median() const
    {
        std::vector<double> v = ms;
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    double min() const { return ms.empty() ? 0 : *std::min_element(ms.begin(), ms.end()); }
};

template <typename F> double timeMs(F &&f)
{
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct BenchRow {
    std::string frame;
    std::size_t bytes = 0;
    std::string path;
    Timing timing;
    std::size_t bad = 0;
    std::string note;
};

// Row 0 of frame i carries i: every frame differs from the one before.
std::function<std::uint32_t(int, int)> benchFrame(unsigned i)
{
    return [i](int x, int y) {
        return y == 0 ? (i * 0x010101u + static_cast<unsigned>(x)) & 0xffffffu : pixel(x, y, 6);
    };
}

// Where the producer's frame lives: a PMM block, under its dma-buf sync bracket, or without
// room in PMM an ordinary segment (then only the copy paths run).
class FrameSource {
public:
    explicit FrameSource(pmm::Block block) : block_(std::move(block)), map_(block_.map()) {}
    explicit FrameSource(std::size_t bytes)
        : plain_(pmm::Segment::create(bytes, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy)),
          att_(plain_.attach())
    {
    }
    bool isPmm() const noexcept { return block_.isValid(); }
    const pmm::Block &block() const noexcept { return block_; }
    std::span<std::byte> data() const noexcept { return isPmm() ? map_.data() : att_.data(); }
    // The bracket around CPU access, for the PMM block only.
    std::optional<pmm::CpuAccess> access(pmm::Access a) const
    {
        if (isPmm())
            return block_.cpuAccess(a);
        return std::nullopt;
    }

private:
    pmm::Block block_;
    pmm::Mapping map_;
    pmm::Segment plain_;
    pmm::Attachment att_;
};

TEST_F(MitShm, HandOffBenchmark)
{
    if (!pmm::Device::present())
        GTEST_SKIP() << pmm::Device::kPath << " absent (not a PMM kernel): no PMM row to compare";
    const unsigned iters = envNumber("PMM_X11_BENCH_ITERS", 20);
    std::vector<BenchRow> rows;
    std::vector<std::string> skipped;
    struct Size {
        int w, h;
        const char *name;
    };
    for (const Size size : {Size{1920, 1080, "1080p"}, Size{3840, 2160, "4K"}}) {
        const int w = size.w, h = size.h;
        const char *name = size.name;
        const std::size_t bytes = frameBytes(dpy, visual, depth, w, h);
        const std::string frame =
            std::string(name) + " " + std::to_string(w) + "x" + std::to_string(h) + "x4";
        std::optional<FrameSource> src;
        std::string why;
        if (needPmm(bytes, &why)) {
            src.emplace(allocate(bytes));
        } else {
            skipped.push_back(frame + ": no PMM row, " + why +
                              " (boot with e.g. pmm=general:128M,fast:8M)");
            src.emplace(bytes);
        }
        ShmImage plainImg(dpy, visual, depth, w, h);
        const int stride = plainImg.get()->bytes_per_line;
        pmm::Segment plain =
            pmm::Segment::create(bytes, IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
        pmm::Attachment plainAtt = plain.attach();
        plainImg.attach(plain.id(), plainAtt.data().data(), true);
        // The PMM block itself, attached by the server.
        pmm::Segment seg;
        std::optional<ShmImage> pmmImg;
        if (src->isPmm()) {
            seg = dev->shmget(src->block(), IPC_PRIVATE, 0600, pmm::Segment::Removal::OnDestroy);
            pmmImg.emplace(dpy, visual, depth, w, h);
            pmmImg->attach(seg.id(), src->data().data(), true);
        }
        XPixmap pix = makePixmap(w, h);
        XGc gc = makeGc(pix.get());
        XErrorTrap trap(dpy);
        auto put = [&](XImage *img) {
            XShmPutImage(dpy, pix.get(), gc.get(), img, 0, 0, 0, 0, static_cast<unsigned>(w),
                         static_cast<unsigned>(h), False);
            XSync(dpy, False);
        };
        auto verify = [&](unsigned i) {
            ImagePtr got = readBack(pix.get(), w, h);
            return got ? mismatches(*got, benchFrame(i)) : static_cast<std::size_t>(w) * h;
        };
        // The producer's frame: drawn once, row 0 redrawn per frame (not timed).
        {
            auto access = src->access(pmm::Access::Write);
            draw(src->data(), stride, w, h, 6);
        }
        auto produce = [&](unsigned i) {
            auto access = src->access(pmm::Access::Write);
            drawRows(src->data(), stride, w, 0, 1, benchFrame(i));
        };
        auto copyFrame = [&](std::span<std::byte> to) {
            auto access = src->access(pmm::Access::Read);
            std::memcpy(to.data(), src->data().data(), bytes);
        };

        BenchRow zero{frame, bytes, "PMM segment, zero copy", {}, 0, "XShmPutImage + XSync"};
        BenchRow reused{frame, bytes, "copy into an ordinary segment",
                        {},    0,     "memcpy + XShmPutImage + XSync"};
        BenchRow fresh{
            frame, bytes, "copy into a fresh segment",
            {},    0,     "shmget + shmat + memcpy + XShmAttach + put + XSync + detach + IPC_RMID"};
        unsigned frameNo = 0;
        put(plainImg.get()); // warm up the server's side
        if (pmmImg) {
            put(pmmImg->get());
            for (unsigned i = 0; i < iters; ++i) {
                produce(++frameNo);
                zero.timing.ms.push_back(timeMs([&] { put(pmmImg->get()); }));
            }
            zero.bad = verify(frameNo);
        }
        for (unsigned i = 0; i < iters; ++i) {
            produce(++frameNo);
            reused.timing.ms.push_back(timeMs([&] {
                copyFrame(plainAtt.data());
                put(plainImg.get());
            }));
        }
        reused.bad = verify(frameNo);
        for (unsigned i = 0; i < iters; ++i) {
            produce(++frameNo);
            fresh.timing.ms.push_back(timeMs([&] {
                pmm::Segment s = pmm::Segment::create(bytes, IPC_PRIVATE, 0600,
                                                      pmm::Segment::Removal::OnDestroy);
                pmm::Attachment a = s.attach();
                copyFrame(a.data());
                ShmImage img(dpy, visual, depth, w, h);
                img.attach(s.id(), a.data().data(), true);
                put(img.get());
            }));
        }
        fresh.bad = verify(frameNo);
        ASSERT_EQ(trap.check(), 0);
        EXPECT_EQ(zero.bad, 0u);
        EXPECT_EQ(reused.bad, 0u);
        EXPECT_EQ(fresh.bad, 0u);
        if (pmmImg)
            rows.push_back(std::move(zero));
        rows.push_back(std::move(reused));
        rows.push_back(std::move(fresh));
    }
    std::printf("\nMIT-SHM hand-off per frame to an Xvfb pixmap, %u frames per row, in ms\n",
                iters);
    std::printf("%-22s %10s  %-30s %9s %9s  %-10s  %s\n", "frame", "bytes", "path", "median", "min",
                "checked", "timed");
    for (const auto &r : rows) {
        std::printf("%-22s %10zu  %-30s %9.2f %9.2f  %-10s  %s\n", r.frame.c_str(), r.bytes,
                    r.path.c_str(), r.timing.median(), r.timing.min(),
                    r.bad ? (std::to_string(r.bad) + " bad").c_str() : "ok", r.note.c_str());
        RecordProperty(r.frame + " " + r.path + " median ms", std::to_string(r.timing.median()));
    }
    for (const auto &s : skipped)
        std::printf("%s\n", s.c_str());
    std::fflush(stdout);
    if (std::none_of(rows.begin(), rows.end(), [](const BenchRow &r) { return r.path[0] == 'P'; }))
        GTEST_SKIP() << "no PMM row: " << (skipped.empty() ? "" : skipped[0]);
}

} // namespace
