// SPDX-License-Identifier: LGPL-2.1-or-later
// pmmctl: list PMM memory types, allocate and hold blocks, show what BLOCK_INFO says, make a
// block a System V shared memory segment.
//   pmmctl types
//   pmmctl alloc SIZE [--type NAME | --mask M] [--align A] [--hold SECONDS]
//   pmmctl info [SIZE] [--type NAME | --mask M] [--fd N]
//   pmmctl shmget SIZE [--type NAME | --mask M] [--align A] [--key K [--excl]] [--mode MODE]
//   pmmctl shmget --fd N [--key K [--excl]] [--mode MODE]
// Exit status: 0 success, 1 failure, 2 usage.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <pmm/device.h>
#include <pmm/segment.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Usage : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void printUsage(FILE *out)
{
    std::fprintf(out,
                 "usage: pmmctl types\n"
                 "       pmmctl alloc SIZE [--type NAME | --mask M] [--align A] [--hold SECONDS]\n"
                 "       pmmctl info [SIZE] [--type NAME | --mask M] [--fd N]\n"
                 "       pmmctl shmget SIZE [--type NAME | --mask M] [--align A] [--key K [--excl]]"
                 " [--mode MODE]\n"
                 "       pmmctl shmget --fd N [--key K [--excl]] [--mode MODE]\n"
                 "SIZE and A take a K, M or G suffix (powers of 1024); M and K are numbers (0x ok);"
                 " MODE is octal.\n"
                 "shmget leaves a System V segment holding the block and prints \"shmid ID\";"
                 " ipcrm -m ID frees it.\n");
}

std::uint64_t parseNumber(std::string_view s, bool suffixes, const char *what)
{
    std::string str(s);
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(str.c_str(), &end, 0);
    if (str.empty() || str[0] == '-' || end == str.c_str() || errno)
        throw Usage(std::string("bad ") + what + ": '" + str + "'");
    unsigned shift = 0;
    if (*end && suffixes) {
        switch (*end) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        default:
            throw Usage(std::string("bad ") + what + ": '" + str + "'");
        }
        ++end;
        if (*end == 'i' || *end == 'I')
            ++end;
        if (*end == 'b' || *end == 'B')
            ++end;
    }
    if (*end)
        throw Usage(std::string("bad ") + what + ": '" + str + "'");
    if (shift && v > (~0ULL >> shift))
        throw Usage(std::string(what) + " too large: '" + str + "'");
    return static_cast<std::uint64_t>(v) << shift;
}

std::string human(std::uint64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof(buf), "%" PRIu64 " B", bytes);
    else
        std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
    return buf;
}

void printTypes(const pmm::Device &dev)
{
    const auto types = dev.types();
    if (types.empty()) {
        std::printf("no PMM memory types (boot with pmm=NAME:SIZE[,...])\n");
        return;
    }
    std::printf("%-3s %-15s %10s %10s %10s %10s %7s %7s  %s\n", "ID", "NAME", "TOTAL", "FREE",
                "USED", "LARGEST", "BLOCKS", "EXTENTS", "POLICY");
    for (const auto &t : types) {
        std::optional<pmm::TypeStats> s;
        try {
            s = pmm::readStats(t.name);
        } catch (const pmm::Error &) {
        }
        // Sizes from the ioctl; counts and policy only sysfs has.
        std::printf("%-3" PRIu32 " %-15s %10s %10s %10s %10s %7s %7s  %s\n", t.id, t.name.c_str(),
                    human(t.totalBytes).c_str(), human(t.freeBytes).c_str(),
                    human(t.totalBytes - t.freeBytes).c_str(), human(t.largestFreeBytes).c_str(),
                    s ? std::to_string(s->nrBlocks).c_str() : "?",
                    s ? std::to_string(s->nrFreeExtents).c_str() : "?",
                    s ? s->policy.c_str() : "?");
    }
}

struct Options {
    std::vector<std::string> positional;
    std::optional<std::string> type;
    std::optional<std::uint32_t> mask;
    std::uint64_t align = 0;
    unsigned hold = 0;
    std::optional<int> fd;
    std::optional<key_t> key;
    bool excl = false;
    std::optional<int> mode;
};

Options parseOptions(int argc, char **argv, int first)
{
    Options o;
    for (int i = first; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc)
                throw Usage(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--type")
            o.type = std::string(value());
        else if (a == "--mask") {
            auto m = parseNumber(value(), false, "mask");
            if (m > UINT32_MAX)
                throw Usage("mask does not fit in 32 bits");
            o.mask = static_cast<std::uint32_t>(m);
        } else if (a == "--align")
            o.align = parseNumber(value(), true, "alignment");
        else if (a == "--hold")
            o.hold = static_cast<unsigned>(parseNumber(value(), false, "seconds"));
        else if (a == "--fd")
            o.fd = static_cast<int>(parseNumber(value(), false, "fd"));
        else if (a == "--key") {
            auto k = parseNumber(value(), false, "key");
            if (k > UINT32_MAX)
                throw Usage("key does not fit in 32 bits");
            o.key = static_cast<key_t>(static_cast<std::uint32_t>(k));
        } else if (a == "--excl")
            o.excl = true;
        else if (a == "--mode") {
            const std::string m(value());
            char *end = nullptr;
            const unsigned long v = std::strtoul(m.c_str(), &end, 8);
            if (m.empty() || *end || v > 0777)
                throw Usage("bad mode: '" + m + "' (octal, at most 0777)");
            o.mode = static_cast<int>(v);
        } else if (a.size() > 1 && a[0] == '-')
            throw Usage("unknown option " + std::string(a));
        else
            o.positional.emplace_back(a);
    }
    if (o.type && o.mask)
        throw Usage("--type and --mask exclude each other");
    return o;
}

std::uint32_t maskOf(const pmm::Device &dev, const Options &o)
{
    if (o.mask)
        return *o.mask;
    if (!o.type)
        return 0;
    auto t = dev.findType(*o.type);
    if (!t)
        pmm::throwErrno(ENOENT, "no memory type '" + *o.type + "'");
    if (!t->mask())
        pmm::throwErrno(EINVAL, "memory type '" + *o.type + "' has id " + std::to_string(t->id) +
                                    ": no type mask names it (use its dma-heap)");
    return *t->mask();
}

std::string typeName(const pmm::Device &dev, std::uint32_t id)
{
    auto t = dev.typeInfo(id);
    return t ? t->name : "?";
}

void printBlockInfo(const pmm::Device &dev, int fd)
{
    const auto info = dev.blockInfo(fd);
    std::printf("block fd %d: size %" PRIu64 " (%s), type %" PRIu32 " (%s)\n", fd, info.size,
                human(info.size).c_str(), info.typeId, typeName(dev, info.typeId).c_str());
}

void printOneStat(const pmm::TypeStats &s, const char *when)
{
    std::printf("  %-6s %-10s free %10s  used %10s  largest %10s  blocks %" PRIu64
                "  extents %" PRIu64 "\n",
                when, s.name.c_str(), human(s.freeBytes).c_str(), human(s.usedBytes).c_str(),
                human(s.largestFreeBytes).c_str(), s.nrBlocks, s.nrFreeExtents);
}

void printStats(const char *when)
{
    for (const auto &s : pmm::readAllStats())
        printOneStat(s, when);
}

int cmdAlloc(const pmm::Device &dev, const Options &o)
{
    if (o.positional.size() != 1)
        throw Usage("alloc takes one SIZE");
    const std::uint64_t size = parseNumber(o.positional[0], true, "size");
    const std::uint32_t mask = maskOf(dev, o);

    std::printf("statistics before:\n");
    printStats("before");
    {
        pmm::Block block = dev.allocate(size, mask, o.align);
        std::printf("allocated %" PRIu64 " bytes (mask 0x%" PRIx32 ", align %" PRIu64 "):\n", size,
                    mask, o.align);
        printBlockInfo(dev, block.fd());

        pmm::Mapping map = block.map();
        auto bytes = map.data();
        const std::size_t words = bytes.size() / sizeof(std::uint64_t);
        auto pattern = [](std::size_t i) {
            return static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull;
        };
        {
            auto access = block.cpuAccess(pmm::Access::Write);
            for (std::size_t i = 0; i < words; ++i) {
                std::uint64_t v = pattern(i);
                std::memcpy(bytes.data() + i * sizeof(v), &v, sizeof(v));
            }
            access.end();
        }
        std::size_t bad = 0;
        {
            auto access = block.cpuAccess(pmm::Access::Read);
            for (std::size_t i = 0; i < words; ++i) {
                std::uint64_t v;
                std::memcpy(&v, bytes.data() + i * sizeof(v), sizeof(v));
                bad += v != pattern(i);
            }
            access.end();
        }
        std::printf("pattern written and read back through a %s mapping: %s\n",
                    human(bytes.size()).c_str(),
                    bad ? (std::to_string(bad) + " words differ").c_str() : "ok");
        std::printf("statistics while held:\n");
        printStats("held");
        if (o.hold) {
            std::printf("holding for %u s\n", o.hold);
            std::fflush(stdout);
            std::this_thread::sleep_for(std::chrono::seconds(o.hold));
        }
        if (bad)
            return 1;
    } // unmapped, then the fd closed: the block is freed
    std::printf("freed; statistics after:\n");
    printStats("after");
    return 0;
}

// Writes a pattern through the block's dma-buf mapping and checks it through a shmat() of the
// segment: the segment must be the block's pages, not a copy. The number of words that differ.
std::size_t checkSamePages(const pmm::Block &block, const pmm::Segment &segment)
{
    auto pattern = [](std::size_t i) {
        return static_cast<std::uint64_t>(i) * 0xD6E8FEB86659FD93ull + 1;
    };
    pmm::Mapping map = block.map();
    const std::size_t words = map.size() / sizeof(std::uint64_t);
    {
        auto access = block.cpuAccess(pmm::Access::Write);
        for (std::size_t i = 0; i < words; ++i) {
            const std::uint64_t v = pattern(i);
            std::memcpy(map.data().data() + i * sizeof(v), &v, sizeof(v));
        }
        access.end();
    }
    const pmm::Attachment att = segment.attach(SHM_RDONLY);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < words && i * sizeof(std::uint64_t) < att.size(); ++i) {
        std::uint64_t v;
        std::memcpy(&v, att.constData().data() + i * sizeof(v), sizeof(v));
        bad += v != pattern(i);
    }
    return bad;
}

int cmdShmget(const pmm::Device &dev, const Options &o)
{
    int shmflg = o.mode.value_or(0600);
    key_t key = IPC_PRIVATE;
    if (o.key) {
        key = *o.key;
        shmflg |= IPC_CREAT | (o.excl ? IPC_EXCL : 0);
    } else if (o.excl) {
        throw Usage("--excl needs --key");
    }
    const bool fromFd = o.fd.has_value();
    if (fromFd) {
        // A block this process inherited: convert it as it is, nothing written into it.
        printBlockInfo(dev, *o.fd);
        pmm::Segment segment = dev.shmget(*o.fd, key, shmflg, pmm::Segment::Removal::Keep);
        std::printf("converted to a System V segment of %" PRIu64 " bytes (%s)\n", segment.size(),
                    human(segment.size()).c_str());
        std::printf("shmid %d\n", segment.release());
        return 0;
    }
    const std::uint64_t size = parseNumber(o.positional[0], true, "size");
    const std::uint32_t mask = maskOf(dev, o);
    std::printf("statistics before:\n");
    printStats("before");
    pmm::Segment segment;
    std::size_t bad = 0;
    {
        const pmm::Block block = dev.allocate(size, mask, o.align);
        std::printf("allocated %" PRIu64 " bytes (mask 0x%" PRIx32 ", align %" PRIu64 "):\n", size,
                    mask, o.align);
        printBlockInfo(dev, block.fd());
        // Removed again if anything below fails: only a checked segment is left behind.
        segment = dev.shmget(block, key, shmflg, pmm::Segment::Removal::OnDestroy);
        std::printf("converted to a System V segment of %" PRIu64 " bytes (%s), key 0x%08x, mode "
                    "%03o\n",
                    segment.size(), human(segment.size()).c_str(), static_cast<unsigned>(key),
                    static_cast<unsigned>(shmflg & 0777));
        bad = checkSamePages(block, segment);
        std::printf("pattern written through the dma-buf mapping, read through shmat(): %s\n",
                    bad ? (std::to_string(bad) + " words differ: not the same pages").c_str()
                        : "same pages");
    } // the block's fd closed: the segment holds the block now
    if (bad)
        return 1; // the segment is removed
    std::printf("block fd closed; the segment holds the block. statistics:\n");
    printStats("shm");
    // Kept on purpose: the segment is for another program (ipcs, an X server).
    std::printf("shmid %d\n", segment.release());
    return 0;
}

int cmdInfo(const pmm::Device &dev, const Options &o)
{
    if (o.fd) {
        if (!o.positional.empty())
            throw Usage("info --fd takes no SIZE");
        printBlockInfo(dev, *o.fd);
        return 0;
    }
    if (o.positional.size() > 1)
        throw Usage("info takes at most one SIZE");
    const std::uint64_t size =
        o.positional.empty() ? 4096 : parseNumber(o.positional[0], true, "size");
    // File descriptors do not cross processes here: show a block allocated for the purpose.
    pmm::Block block = dev.allocate(size, maskOf(dev, o), o.align);
    std::printf("allocated a block of %" PRIu64 " bytes for the demonstration\n", size);
    printBlockInfo(dev, block.fd());
    pmm::UniqueFD dup(::fcntl(block.fd(), F_DUPFD_CLOEXEC, 0));
    if (!dup)
        pmm::throwErrno(errno, "F_DUPFD_CLOEXEC");
    std::printf("a duplicate of it: ");
    printBlockInfo(dev, dup.get());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        printUsage(stderr);
        return 2;
    }
    const std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        printUsage(stdout);
        return 0;
    }
    try {
        const Options o = parseOptions(argc, argv, 2);
        if (cmd != "types" && cmd != "alloc" && cmd != "info" && cmd != "shmget")
            throw Usage("unknown command '" + std::string(cmd) + "'");
        if (cmd == "types" && (!o.positional.empty() || o.type || o.mask || o.fd))
            throw Usage("types takes no arguments");
        if (cmd == "alloc" && o.positional.size() != 1)
            throw Usage("alloc takes one SIZE");
        if (cmd == "info" && o.positional.size() > 1)
            throw Usage("info takes at most one SIZE");
        if (cmd == "shmget" && o.positional.size() + (o.fd ? 1 : 0) != 1)
            throw Usage("shmget takes one SIZE or --fd N");
        if (cmd != "shmget" && (o.key || o.excl || o.mode))
            throw Usage("--key, --excl and --mode are shmget's");
        if (cmd == "shmget" && o.fd && (o.type || o.mask || o.align))
            throw Usage("shmget --fd takes no --type, --mask or --align");
        for (const auto &p : o.positional)
            (void)parseNumber(p, true, "size"); // usage errors before any device error
        // Listing and describing need only read access; allocating needs write access.
        const bool query = cmd == "types" || (cmd == "info" && o.fd);
        const pmm::Device dev(query ? pmm::Device::Mode::Query : pmm::Device::Mode::Allocate);
        if (cmd == "types") {
            printTypes(dev);
            return 0;
        }
        if (cmd == "alloc")
            return cmdAlloc(dev, o);
        if (cmd == "shmget")
            return cmdShmget(dev, o);
        return cmdInfo(dev, o);
    } catch (const Usage &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        printUsage(stderr);
        return 2;
    } catch (const pmm::Error &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        return 1;
    } catch (const std::exception &e) {
        std::fflush(stdout);
        std::fprintf(stderr, "pmmctl: %s\n", e.what());
        return 1;
    }
}
